using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

/// <summary><c>GET /search/messages/</c> over REST (contract v2, section 6).</summary>
public sealed class SearchTransportTests
{
    [Fact]
    public async Task SearchMessages_AnswersTheContractShape_WithSnippetOffsets_AndItsErrorsAndRate()
    {
        await using var server = await ChatServer.StartAsync(engine: b => b.Services.Configure<ChatEngineOptions>(o => o.Search.PerMinute = 5));
        var groupId = await server.CreateGroupAsync(Alice, "bob");
        var foreign = await server.CreateGroupAsync(Carol, "dave");
        using var bob = server.Client(Bob);
        using var sent = await bob.PostAsJsonAsync($"/chat/{groupId}/messages", new { text = "Deploy the release on Friday" });
        var id = (long)(await sent.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        using var alice = server.Client(Alice);

        var answer = (await alice.GetFromJsonAsync<JsonObject>("/search/messages/?q=releas"))!;
        Assert.Equal(["results", "has_more", "next"], answer.Select(p => p.Key));
        var result = Assert.Single(answer["results"]!.AsArray())!.AsObject();
        Assert.Equal(["chat_id", "chat_kind", "chat_name", "id", "sender", "sender_username", "time", "snippet", "highlights"], result.Select(p => p.Key));
        Assert.Equal((groupId, "group", "Team", id, Bob, "bob"), ((long)result["chat_id"]!, (string?)result["chat_kind"], (string?)result["chat_name"], (long)result["id"]!, (long)result["sender"]!, (string?)result["sender_username"]));
        var snippet = (string)result["snippet"]!;
        var span = result["highlights"]!.AsArray()[0]!.AsArray();
        Assert.Equal("release", snippet[(int)span[0]!..(int)span[1]!]);
        Assert.False((bool)answer["has_more"]!);

        await AssertProblemAsync(HttpStatusCode.BadRequest, "search_term_required", await alice.GetAsync("/search/messages/?q="));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_query", await alice.GetAsync("/search/messages/?q=x"));
        await AssertProblemAsync(HttpStatusCode.NotFound, "chat_not_found", await alice.GetAsync($"/search/messages/?q=release&chat={foreign}"));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_cursor", await alice.GetAsync("/search/messages/?q=release&order=relevance&cursor=nope"));
        for (var i = 0; i < 2; i++)
        {
            (await alice.GetAsync("/search/messages/?q=friday")).EnsureSuccessStatusCode();
        }

        using var limited = await alice.GetAsync("/search/messages/?q=friday");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client().GetAsync("/search/messages/?q=release")).StatusCode);
    }

    private static async Task AssertProblemAsync(HttpStatusCode status, string code, HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal(code, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["code"]);
        }
    }
}
