using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatEngine.InMemory;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

/// <summary><c>GET /me/export</c>, <c>DELETE /me</c> with a host's account erasure, and retention (contract v2, section 6).</summary>
public sealed class DataRightsTransportTests
{
    [Fact]
    public async Task TheExport_IsAJsonFileOfTheCallersOwnData_OncePerHour()
    {
        await using var server = await ChatServer.StartAsync();
        var groupId = await server.CreateGroupAsync(Alice, "bob");
        using var alice = server.Client(Alice);
        await SendAsync(server, Alice, groupId, "from alice");
        await SendAsync(server, Bob, groupId, "from bob");
        using var form = new MultipartFormDataContent { { new ByteArrayContent("notes"u8.ToArray()), "file", "notes.txt" } };
        var upload = (await (await alice.PostAsync($"/chat/{groupId}/attachments", form)).Content.ReadFromJsonAsync<JsonObject>())!;
        (await alice.PostAsJsonAsync($"/chat/{groupId}/messages", new { text = "", attachments = new[] { (string)upload["id"]! } })).EnsureSuccessStatusCode();

        using var response = await alice.GetAsync("/me/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal($"chat-export-{Alice}.json", response.Content.Headers.ContentDisposition!.FileName!.Trim('"'));
        var export = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(["user", "exported_at", "chats", "reactions", "pins", "blocks", "push_subscriptions", "reports"], export.Select(p => p.Key));
        Assert.Equal("alice", (string?)export["user"]!["username"]);
        var chat = Assert.Single(export["chats"]!.AsArray())!;
        Assert.Equal((groupId, "group", "Team", "owner"), ((long)chat["id"]!, (string?)chat["kind"], (string?)chat["name"], (string?)chat["role"]));
        var messages = chat["messages"]!.AsArray();
        Assert.Equal(["from alice", ""], messages.Select(m => (string?)m!["text"]));
        var file = Assert.Single(messages[1]!["attachments"]!.AsArray())!;
        Assert.Equal(("notes.txt", 5L), ((string?)file["name"], (long)file["size"]!));
        Assert.StartsWith($"/chat/{groupId}/attachments/", (string?)file["url"], StringComparison.Ordinal);

        using var again = await alice.GetAsync("/me/export");
        Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
        Assert.NotNull(again.Headers.RetryAfter);
    }

    [Fact]
    public async Task DeleteMe_ErasesTheChatData_ThenTheHostDeletesTheAccount_AndTheOthersSeeADeletedUser()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await ChatServer.StartAsync(engine: b =>
        {
            b.AddAccountErasure<PasswordAccountErasure>();
            b.Services.Configure<ChatWebhookOptions>(o =>
            {
                var endpoint = new ChatWebhookEndpoint { Url = receiver.Url };
                endpoint.Secrets.Add(receiver.Secret);
                endpoint.Events.Add("user_erased");
                o.Endpoints.Add(endpoint);
            });
        });
        var groupId = await server.CreateGroupAsync(Alice, "bob");
        var chatId = await server.StartChatAsync(Bob, "alice");
        var hers = await SendAsync(server, Alice, groupId, "alice's words");
        using var bobSocket = await server.ConnectAsync(Bob, groupId, query: "?v=2");
        using var alice = server.Client(Alice);

        await AssertProblemAsync(HttpStatusCode.BadRequest, "confirmation_required", await DeleteMeAsync(alice, new { confirm = "bob", password = "right" }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_password", await DeleteMeAsync(alice, new { confirm = "alice", password = "wrong" }));
        Assert.Equal(HttpStatusCode.Accepted, (await DeleteMeAsync(alice, new { confirm = "alice", password = "right" })).StatusCode);

        var removed = await bobSocket.ReceiveAsync("member_removed");
        Assert.Equal((Alice, "erased"), ((long)removed["user"]!, (string?)removed["reason"]));
        var hook = await receiver.NextAsync();
        Assert.Equal("user_erased", hook.Event);
        Assert.Null(hook.Body["chat"]);
        Assert.Equal(Alice, (long)hook.Body["data"]!["user"]!);

        using var bob = server.Client(Bob);
        var page = (await bob.GetFromJsonAsync<JsonObject>($"/group/{groupId}?mark_read=false"))!;
        var tombstone = page["messages"]!.AsArray().Single(m => (long)m!["id"]! == hers)!;
        Assert.Equal(("Deleted user", true, ""), ((string?)tombstone["sendername"], (bool)tombstone["deleted"]!, (string?)tombstone["text"]));
        Assert.Equal("bob", (string?)Assert.Single(page["members"]!.AsArray()));
        await AssertProblemAsync(HttpStatusCode.Forbidden, "user_erased", await bob.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "hello?" }));
        Assert.Equal("Deleted user", (string?)Assert.Single((await bob.GetFromJsonAsync<JsonArray>("/chat/"))!)!["username"]);
    }

    [Fact]
    public async Task DeleteMe_IsNotThere_WhenTheHostDeletesNoAccounts()
    {
        await using var server = await ChatServer.StartAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await DeleteMeAsync(server.Client(Alice), new { confirm = "alice" })).StatusCode);
    }

    [Fact]
    public async Task Retention_DeletesOldMessagesButPinnedOnes_AndAReplayFromBeforeTheCutIsLimited()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServer.StartAsync(time: time, engine: b => b.Services.Configure<ChatEngineOptions>(o => o.Retention.MaxMessageAge = TimeSpan.FromDays(30)));
        var groupId = await server.CreateGroupAsync(Alice, "bob");
        var old = await SendAsync(server, Alice, groupId, "old news");
        var pinned = await SendAsync(server, Alice, groupId, "the rules");
        using var alice = server.Client(Alice);
        (await alice.PostAsJsonAsync($"/chat/{groupId}/pins", new { id = pinned })).EnsureSuccessStatusCode();
        using var reported = await server.Client(Bob).PostAsJsonAsync($"/chat/{groupId}/messages/{old}/report", new { reason = "other" });
        var reportId = (long)(await reported.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        time.Advance(TimeSpan.FromDays(31));
        var fresh = await SendAsync(server, Alice, groupId, "today");

        // The worker woke with the clock and may have pruned already; a pass of our own makes sure it is done.
        await using (var scope = server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ChatRetention>().PruneAsync();
        }

        var page = (await alice.GetFromJsonAsync<JsonObject>($"/group/{groupId}?mark_read=false"))!;
        Assert.Equal([pinned, fresh], page["messages"]!.AsArray().Select(m => (long)m!["id"]!));
        Assert.DoesNotContain(old, page["messages"]!.AsArray().Select(m => (long)m!["id"]!));
        var replay = (await alice.GetFromJsonAsync<JsonObject>($"/chat/{groupId}/changes?after_seq=1"))!;
        Assert.True((bool)replay["limited"]!);

        // A report of a message gone this way can still be answered by deleting it: there is nothing left to delete.
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var moderation = scope.ServiceProvider.GetRequiredService<ModerationService>();
            Assert.False(await moderation.DeleteReportedMessageAsync(Alice, groupId, reportId));
            Assert.Empty(await moderation.GetReportsAsync(Alice, groupId));
        }
    }

    private static async Task<HttpResponseMessage> DeleteMeAsync(HttpClient client, object body) =>
        await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/me") { Content = JsonContent.Create(body) });

    private static async Task AssertProblemAsync(HttpStatusCode status, string code, HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal(code, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["code"]);
        }
    }

    private static async Task<long> SendAsync(ChatServer server, long userId, long chatId, string text)
    {
        using var client = server.Client(userId);
        using var response = await client.PostAsJsonAsync($"/chat/{chatId}/messages", new { text });
        response.EnsureSuccessStatusCode();
        return (long)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    /// <summary>A host whose password is "right", and whose account deletion removes the user from its directory.</summary>
    private sealed class PasswordAccountErasure(IChatUserDirectory users) : IAccountErasure
    {
        public Task VerifyAsync(HttpContext context, long userId, JsonElement body, CancellationToken cancellationToken) =>
            body.TryGetProperty("password", out var password) && password.GetString() == "right"
                ? Task.CompletedTask
                : throw new ChatException(ChatErrorKind.Validation, ChatErrorCodes.InvalidPassword, "That is not your password.");

        public Task DeleteAccountAsync(long userId, CancellationToken cancellationToken)
        {
            ((InMemoryChatUserDirectory)users).Remove(userId);
            return Task.CompletedTask;
        }
    }
}
