using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>Blocks, mutes, bans and reports over REST, sockets, the hub and webhooks (contract v2, section 6). A server per test: blocks are per user.</summary>
public sealed class ModerationTransportTests
{
    [Fact]
    public async Task ABlock_ClosesThePrivateChat_AndKeepsTheBlockedUsersTypingAndPresenceFromTheBlocker()
    {
        await using var server = await ChatServer.StartAsync();
        var chatId = await server.StartChatAsync(Alice, "bob");
        var groupId = await server.CreateGroupAsync(Carol, "alice", "bob");
        using var alice = server.Client(Alice);
        using var bob = server.Client(Bob);

        Assert.Equal(HttpStatusCode.NoContent, (await alice.PostAsJsonAsync("/me/blocks/", new { username = "bob" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.PostAsJsonAsync("/me/blocks/", new { username = "bob" })).StatusCode);
        var blocks = (await alice.GetFromJsonAsync<JsonArray>("/me/blocks/"))!;
        Assert.Equal(Bob, (long)Assert.Single(blocks)!["id"]!);
        Assert.Equal("bob", (string?)blocks[0]!["username"]);
        Assert.NotNull((string?)blocks[0]!["time"]);

        await AssertProblemAsync(HttpStatusCode.Forbidden, "blocked", await bob.PostAsJsonAsync("/chat/", new { username_input = "alice" }));
        await AssertProblemAsync(HttpStatusCode.Forbidden, "blocked", await bob.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "hello?" }));
        var group = await AssertProblemAsync(HttpStatusCode.Forbidden, "blocked", await bob.PostAsJsonAsync("/group/", new { name = "Mine", members = new[] { "alice" } }));
        Assert.Equal("alice", (string?)group["usernames"]![0]);
        var item = Assert.Single((await alice.GetFromJsonAsync<JsonArray>("/chat/"))!)!;
        Assert.True((bool)item["blocked"]!);
        Assert.False((bool)item["is_online"]!);
        Assert.True((bool)(await alice.GetFromJsonAsync<JsonObject>($"/chat/{chatId}?mark_read=false"))!["blocked"]!);
        await AssertProblemAsync(HttpStatusCode.BadRequest, "self_target", await alice.PostAsJsonAsync("/me/blocks/", new { username = "alice" }));
        await AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found", await alice.PostAsJsonAsync("/me/blocks/", new { username = "nobody" }));

        // A group they share: Bob's typing and presence never reach Alice; Carol's do. A chat's events
        // keep their order, so the message that follows Bob's typing is the next thing Alice hears.
        using var aliceSocket = await server.ConnectAsync(Alice, groupId);
        using var bobSocket = await server.ConnectAsync(Bob, groupId);
        await bobSocket.SendAsync(new { type = "typing" });
        await SendAsync(server, Carol, groupId, "after bob typed");
        var next = await aliceSocket.ReceiveAsync();
        Assert.Equal("message", (string?)next["type"]);
        Assert.Equal("after bob typed", (string?)next["text"]);
        using var carolSocket = await server.ConnectAsync(Carol, groupId);
        var status = await aliceSocket.ReceiveAsync();
        Assert.Equal(("status", Carol), ((string?)status["type"], (long)status["user"]!));
        await carolSocket.SendAsync(new { type = "typing" });
        Assert.Equal(Carol, (long)(await aliceSocket.ReceiveAsync("typing"))["user"]!);

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync("/me/blocks/bob")).StatusCode);
        Assert.Empty((await alice.GetFromJsonAsync<JsonArray>("/me/blocks/"))!);
        Assert.Equal(HttpStatusCode.OK, (await bob.PostAsJsonAsync("/chat/", new { username_input = "alice" })).StatusCode);
        await AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found", await alice.DeleteAsync("/me/blocks/nobody"));
    }

    [Fact]
    public async Task AMute_IsAnEventOfTheLog_AndEveryTransportRefusesTheMutedMembersSends()
    {
        await using var server = await ChatServer.StartAsync();
        var groupId = await server.CreateGroupAsync(Alice, "bob", "carol");
        using var alice = server.Client(Alice);
        using var bob = server.Client(Bob);
        using var carolSocket = await server.ConnectAsync(Carol, groupId, query: "?v=2");
        var until = DateTimeOffset.UtcNow.AddHours(1);

        Assert.Equal(HttpStatusCode.NoContent, (await alice.PostAsJsonAsync($"/group/{groupId}/mutes", new { username = "bob", until = until.ToString("O"), reason = "calm down" })).StatusCode);
        var muted = await carolSocket.ReceiveAsync("member_muted");
        Assert.Equal((Bob, "bob", true, Alice), ((long)muted["user"]!, (string?)muted["username"], (bool)muted["muted"]!, (long)muted["by"]!));
        Assert.Equal(until.UtcDateTime, DateTime.Parse((string)muted["until"]!, null, System.Globalization.DateTimeStyles.AdjustToUniversal), TimeSpan.FromMilliseconds(1));
        Assert.True((long)muted["seq"]! > 1);

        var refused = await AssertProblemAsync(HttpStatusCode.Forbidden, "muted", await bob.PostAsJsonAsync($"/chat/{groupId}/messages", new { text = "let me talk" }));
        Assert.Equal((string?)muted["until"], (string?)refused["until"]);
        using var bobSocket = await server.ConnectAsync(Bob, groupId);
        await bobSocket.SendAsync(new { type = "message", text = "on the socket", client_id = "m1" });
        var error = await bobSocket.ReceiveAsync("error");
        Assert.Equal(("muted", "m1"), ((string?)error["code"], (string?)error["client_id"]));
        await using var hub = await server.ConnectHubAsync(Bob);
        var hubError = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<System.Text.Json.JsonElement>("SendMessage", groupId, "on the hub", null));
        Assert.EndsWith("HubException: muted: An admin muted you in this group.", hubError.Message, StringComparison.Ordinal);

        var detail = (await alice.GetFromJsonAsync<JsonObject>($"/group/{groupId}?mark_read=false"))!;
        Assert.Equal("bob", (string?)Assert.Single(detail["muted"]!.AsArray())!["username"]);
        await AssertProblemAsync(HttpStatusCode.Forbidden, "not_admin", await server.Client(Carol).PostAsJsonAsync($"/group/{groupId}/mutes", new { username = "bob" }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_time", await alice.PostAsJsonAsync($"/group/{groupId}/mutes", new { username = "bob", until = "soon" }));
        await AssertProblemAsync(HttpStatusCode.Forbidden, "owner_protected", await alice.PostAsJsonAsync($"/group/{groupId}/admins", new { username = "carol" }).ContinueWith(_ => server.Client(Carol).PostAsJsonAsync($"/group/{groupId}/mutes", new { username = "alice" })).Unwrap());

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/group/{groupId}/mutes/bob")).StatusCode);
        var unmuted = await carolSocket.ReceiveAsync("member_muted");
        Assert.False((bool)unmuted["muted"]!);
        Assert.Null(unmuted["until"]);
        Assert.Equal(HttpStatusCode.Created, (await bob.PostAsJsonAsync($"/chat/{groupId}/messages", new { text = "thanks" })).StatusCode);
    }

    [Fact]
    public async Task ABan_RemovesTheMemberWithItsReason_AndRefusesJoiningByCodeUntilLifted()
    {
        await using var server = await ChatServer.StartAsync();
        var groupId = await server.CreateGroupAsync(Alice, "bob", "carol");
        using var alice = server.Client(Alice);
        using var bob = server.Client(Bob);
        var code = (string?)(await alice.GetFromJsonAsync<JsonObject>($"/group/{groupId}?mark_read=false"))!["code"];
        using var bobSocket = await server.ConnectAsync(Bob, groupId, query: "?v=2");
        using var bobStream = await server.ConnectUserAsync(Bob);
        await bobStream.ReceiveAsync("synced");

        Assert.Equal(HttpStatusCode.NoContent, (await alice.PostAsJsonAsync($"/group/{groupId}/bans", new { username = "bob", reason = "spam bot" })).StatusCode);
        var removed = await bobSocket.ReceiveAsync("member_removed");
        Assert.Equal(("banned", Bob), ((string?)removed["reason"], (long)removed["user"]!));
        Assert.True(removed.ContainsKey("until"));
        Assert.Null(removed["until"]); // For good.
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await bobSocket.WaitForCloseAsync());
        var gone = await bobStream.ReceiveAsync("chat_removed");
        Assert.Equal((groupId, "banned"), ((long)gone["chat_id"]!, (string?)gone["reason"]));

        var join = await AssertProblemAsync(HttpStatusCode.Forbidden, "banned", await bob.PostAsJsonAsync("/group-join/", new { code }));
        Assert.True(join.ContainsKey("until"));
        var add = await AssertProblemAsync(HttpStatusCode.Forbidden, "banned", await alice.PostAsJsonAsync($"/group/{groupId}/members", new { members = new[] { "bob" } }));
        Assert.Equal("bob", (string?)add["usernames"]![0]);
        var ban = Assert.Single((await alice.GetFromJsonAsync<JsonArray>($"/group/{groupId}/bans"))!)!;
        Assert.Equal((Bob, "bob", "spam bot", Alice), ((long)ban["id"]!, (string?)ban["username"], (string?)ban["reason"], (long)ban["by"]!));
        await AssertProblemAsync(HttpStatusCode.Forbidden, "not_admin", await server.Client(Carol).GetAsync($"/group/{groupId}/bans"));
        await AssertProblemAsync(HttpStatusCode.NotFound, "chat_not_found", await bob.GetAsync($"/group/{groupId}/bans"));

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/group/{groupId}/bans/bob")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bob.PostAsJsonAsync("/group-join/", new { code })).StatusCode);
    }

    [Fact]
    public async Task AReport_ReachesTheAdminsStreams_AndTheWebhook_ButNeverTheReportedUser()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await ChatServer.StartAsync(engine: b => b.Services.Configure<ChatWebhookOptions>(o =>
        {
            var endpoint = new ChatWebhookEndpoint { Url = receiver.Url };
            endpoint.Secrets.Add(receiver.Secret);
            endpoint.Events.Add("report");
            o.Endpoints.Add(endpoint);
        }));
        var groupId = await server.CreateGroupAsync(Alice, "bob", "carol");
        using var aliceStream = await server.ConnectUserAsync(Alice);
        await aliceStream.ReceiveAsync("synced");
        using var carolStream = await server.ConnectUserAsync(Carol);
        await carolStream.ReceiveAsync("synced");
        var rude = await SendAsync(server, Carol, groupId, "rude words");
        await carolStream.ReceiveAsync("message");
        using var bob = server.Client(Bob);

        using var reported = await bob.PostAsJsonAsync($"/chat/{groupId}/messages/{rude}/report", new { reason = "abuse", note = "not nice" });
        Assert.Equal(HttpStatusCode.Accepted, reported.StatusCode);
        var id = (long)(await reported.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        using var again = await bob.PostAsJsonAsync($"/chat/{groupId}/messages/{rude}/report", new { reason = "spam" });
        Assert.Equal(id, (long)(await again.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);

        var report = await aliceStream.ReceiveAsync("report");
        Assert.Equal((groupId, id, Bob, "bob", "abuse", "not nice"), ((long)report["chat_id"]!, (long)report["id"]!, (long)report["reporter"]!, (string?)report["reporter_username"], (string?)report["reason"], (string?)report["note"]));
        var message = report["message"]!;
        Assert.Equal((rude, Carol, "carol", "rude words"), ((long)message["id"]!, (long)message["sender"]!, (string?)message["sender_username"], (string?)message["text"]));

        // Carol's stream hears the next message of the chat, and no report before it.
        await SendAsync(server, Alice, groupId, "let's keep it civil");
        Assert.Equal("message", (string?)(await carolStream.ReceiveAsync())["type"]);

        var hook = await receiver.NextAsync();
        Assert.Equal("report", hook.Event);
        Assert.True(hook.SignatureValid);
        Assert.Equal(groupId, (long)hook.Body["chat"]!["id"]!);
        Assert.Equal("Team", (string?)hook.Body["chat"]!["name"]);
        Assert.Equal((id, "abuse"), ((long)hook.Body["data"]!["id"]!, (string?)hook.Body["data"]!["reason"]));

        using var alice = server.Client(Alice);
        var open = Assert.Single((await alice.GetFromJsonAsync<JsonArray>($"/group/{groupId}/reports"))!)!;
        Assert.Equal((id, "rude words"), ((long)open["id"]!, (string?)open["message"]!["text"]));
        await AssertProblemAsync(HttpStatusCode.Forbidden, "not_admin", await bob.GetAsync($"/group/{groupId}/reports"));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_reason", await bob.PostAsJsonAsync($"/chat/{groupId}/messages/{rude}/report", new { reason = "meh" }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "self_target", await server.Client(Carol).PostAsJsonAsync($"/chat/{groupId}/messages/{rude}/report", new { reason = "spam" }));
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/group/{groupId}/reports/{id}")).StatusCode);
        await AssertProblemAsync(HttpStatusCode.NotFound, "report_not_found", await alice.DeleteAsync($"/group/{groupId}/reports/{id}"));
        Assert.Empty((await alice.GetFromJsonAsync<JsonArray>($"/group/{groupId}/reports"))!);
    }

    private static async Task<JsonObject> AssertProblemAsync(HttpStatusCode status, string code, HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(code, (string?)problem["code"]);
            return problem;
        }
    }

    private static async Task<long> SendAsync(ChatServer server, long userId, long chatId, string text)
    {
        using var client = server.Client(userId);
        using var response = await client.PostAsJsonAsync($"/chat/{chatId}/messages", new { text });
        response.EnsureSuccessStatusCode();
        return (long)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }
}
