using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit;
using static ChatEngine.AspNetCore.Tests.HubEvents;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>Edits, deletions, reactions, replies and pins on every transport: REST, the WebSocket and the hub.</summary>
public sealed class MessageChangeTransportTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private ChatServer Server => fixture.Server;

    [Fact]
    public async Task NotificationSettings_AreReadAndSetOverRest_AndShowInTheLists()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        using var alice = Server.Client(Alice);
        var settings = (await alice.GetFromJsonAsync<JsonObject>($"/chat/{chatId}/notifications"))!;
        Assert.Equal(("all", null), ((string?)settings["level"], (string?)settings["muted_until"]));

        var until = DateTimeOffset.UtcNow.AddHours(2);
        using var set = await alice.PutAsJsonAsync($"/chat/{chatId}/notifications", new { level = "mentions", muted_until = until.ToString("O") });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var answer = (await set.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("mentions", (string?)answer["level"]);
        Assert.Equal(until.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture), (string?)answer["muted_until"]);
        var item = (await alice.GetFromJsonAsync<JsonArray>("/chat/"))!.Single(c => (long)c!["id"]! == chatId)!;
        Assert.Equal(("mentions", (string?)answer["muted_until"]), ((string?)item["notify_level"], (string?)item["muted_until"]));
        var page = (await alice.GetFromJsonAsync<JsonObject>($"/chat/{chatId}"))!;
        Assert.Equal(("mentions", (string?)answer["muted_until"]), ((string?)page["notify_level"], (string?)page["muted_until"]));

        using var unmuted = await alice.PutAsJsonAsync($"/chat/{chatId}/notifications", new { level = "all", muted_until = (string?)null });
        Assert.Null((string?)(await unmuted.Content.ReadFromJsonAsync<JsonObject>())!["muted_until"]);

        foreach (var (body, code) in new (object, string)[]
        {
            (new { level = "loud" }, "invalid_level"),
            (new { muted_until = "soon" }, "invalid_level"),
            (new { level = "none", muted_until = "soon" }, "invalid_time"),
            (new { level = "none", muted_until = DateTimeOffset.UtcNow.AddHours(-1).ToString("O") }, "invalid_time"),
        })
        {
            using var refused = await alice.PutAsJsonAsync($"/chat/{chatId}/notifications", body);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal(code, (string?)(await refused.Content.ReadFromJsonAsync<JsonObject>())!["code"]);
        }

        using var carol = Server.Client(Carol);
        Assert.Equal(HttpStatusCode.NotFound, (await carol.GetAsync($"/chat/{chatId}/notifications")).StatusCode);
    }

    [Fact]
    public async Task Mentions_TravelInAnswersFramesAndEdits_AndCountInTheLists()
    {
        var groupId = await Server.CreateGroupAsync(Alice, "bob", "carol");
        using var alice = Server.Client(Alice);
        using var bob = Server.Client(Bob);
        using var bobSocket = await Server.ConnectAsync(Bob, groupId, query: "?v=2");

        using var sent = await alice.PostAsJsonAsync($"/chat/{groupId}/messages", new { text = "@bob and @Carol: see this" });
        var message = (await sent.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal([Bob, Carol], message["mentions"]!.AsArray().Select(id => (long)id!));
        Assert.Equal([Bob, Carol], (await bobSocket.ReceiveAsync("message"))["mentions"]!.AsArray().Select(id => (long)id!));
        var groups = (await bob.GetFromJsonAsync<JsonArray>("/group/"))!;
        Assert.Equal(1, (long)groups.Single(g => (long)g!["id"]! == groupId)!["mentions"]!);

        using var edited = await alice.PatchAsJsonAsync($"/chat/{groupId}/messages/{message["id"]}", new { text = "@carol only" });
        Assert.Equal([Carol], (await edited.Content.ReadFromJsonAsync<JsonObject>())!["mentions"]!.AsArray().Select(id => (long)id!));
        Assert.Equal([Carol], (await bobSocket.ReceiveAsync("message_updated"))["mentions"]!.AsArray().Select(id => (long)id!));
        groups = (await bob.GetFromJsonAsync<JsonArray>("/group/"))!;
        Assert.Equal(0, (long)groups.Single(g => (long)g!["id"]! == groupId)!["mentions"]!);
    }

    [Fact]
    public async Task Rest_SendsReplies_EditsDeletesReactsAndPins_WithTheContractShapes()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        using var alice = Server.Client(Alice);
        using var bob = Server.Client(Bob);

        using var first = await alice.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "Plan for Monday?", client_id = "m-1" });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var original = (await first.Content.ReadFromJsonAsync<JsonObject>())!;
        using var retried = await alice.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "Plan for Monday?", client_id = "m-1" });
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal((long)original["id"]!, (long)(await retried.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);

        using var replied = await bob.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "Coffee at nine", reply_to = (long)original["id"]! });
        var reply = (await replied.Content.ReadFromJsonAsync<JsonObject>())!;
        Snapshot.Match("message-reply", reply);

        var originalId = (long)original["id"]!;
        using var edited = await alice.PatchAsJsonAsync($"/chat/{chatId}/messages/{originalId}", new { text = "Plan for Tuesday?", client_id = "e-1" });
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        var afterEdit = (await edited.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("Plan for Tuesday?", (string?)afterEdit["text"]);
        Assert.NotNull((string?)afterEdit["edited_at"]);

        using var reacted = await bob.PostAsJsonAsync($"/chat/{chatId}/messages/{originalId}/reactions", new { emoji = "👍🏽" });
        var reactedBody = (await reacted.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(("👍🏽", 1, true), ((string?)reactedBody["emoji"], (int)reactedBody["count"]!, (bool)reactedBody["me"]!));
        using var reactors = await alice.GetAsync($"/chat/{chatId}/messages/{originalId}/reactions/{Uri.EscapeDataString("👍🏽")}");
        Assert.Equal("bob", (string?)(await reactors.Content.ReadFromJsonAsync<JsonObject>())!["users"]![0]!["username"]);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.PostAsJsonAsync($"/chat/{chatId}/pins", new { id = originalId })).StatusCode);

        var shown = (await alice.GetFromJsonAsync<JsonObject>($"/chat/{chatId}/messages/{originalId}"))!;
        Snapshot.Match("message-edited-reacted-pinned", shown);
        var pins = (await bob.GetFromJsonAsync<JsonArray>($"/chat/{chatId}/pins"))!;
        Assert.Equal(((long)originalId, (long)Alice), ((long)pins.Single()!["id"]!, (long)pins.Single()!["pinned_by"]!));
        Assert.NotNull((string?)pins.Single()!["pinned_at"]);

        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync($"/chat/{chatId}/messages/{originalId}/reactions/{Uri.EscapeDataString("👍🏽")}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/chat/{chatId}/pins/{originalId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/chat/{chatId}/messages/{originalId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/chat/{chatId}/messages/{originalId}")).StatusCode); // Deleted already.

        var page = (await bob.GetFromJsonAsync<JsonObject>($"/chat/{chatId}?mark_read=false"))!["messages"]!.AsArray();
        Assert.Equal((true, ""), ((bool)page[0]!["deleted"]!, (string?)page[0]!["text"]));
        Assert.Equal(true, (bool?)page[1]!["reply_preview"]!["deleted"]);

        // Replayed, every change is there, in order, in its contract shape.
        var changes = (await bob.GetFromJsonAsync<JsonObject>($"/chat/{chatId}/changes?after_seq=3"))!;
        Assert.Equal(["message_updated", "reaction", "pin", "reaction", "pin", "message_deleted"], changes["events"]!.AsArray().Select(e => (string?)e!["type"]));
        Snapshot.Match("message-changes", changes);
    }

    [Fact]
    public async Task Rest_RefusesWithTheContractsCodes()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        var groupId = await Server.CreateGroupAsync(Alice, "bob");
        using var alice = Server.Client(Alice);
        using var bob = Server.Client(Bob);
        using var carol = Server.Client(Carol);
        var mine = (long)(await (await alice.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "mine" })).Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var inGroup = (long)(await (await alice.PostAsJsonAsync($"/chat/{groupId}/messages", new { text = "group" })).Content.ReadFromJsonAsync<JsonObject>())!["id"]!;

        await AssertProblemAsync(HttpStatusCode.Forbidden, "not_author", bob.PatchAsJsonAsync($"/chat/{chatId}/messages/{mine}", new { text = "hijacked" }));
        await AssertProblemAsync(HttpStatusCode.Forbidden, "not_author", bob.DeleteAsync($"/chat/{chatId}/messages/{mine}"));
        await AssertProblemAsync(HttpStatusCode.NotFound, "chat_not_found", carol.PatchAsJsonAsync($"/chat/{chatId}/messages/{mine}", new { text = "outsider" }));
        await AssertProblemAsync(HttpStatusCode.NotFound, "chat_not_found", carol.GetAsync($"/chat/{chatId}/pins"));
        await AssertProblemAsync(HttpStatusCode.NotFound, "message_not_found", alice.PatchAsJsonAsync($"/chat/{chatId}/messages/{inGroup}", new { text = "other chat" }));
        await AssertProblemAsync(HttpStatusCode.NotFound, "message_not_found", alice.GetAsync($"/chat/{chatId}/messages/999999"));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "empty_text", alice.PatchAsJsonAsync($"/chat/{chatId}/messages/{mine}", new { text = "  " }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_emoji", bob.PostAsJsonAsync($"/chat/{chatId}/messages/{mine}/reactions", new { emoji = "not one" }));
        await AssertProblemAsync(HttpStatusCode.NotFound, "message_not_found", bob.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "quote", reply_to = inGroup }));
        await AssertProblemAsync(HttpStatusCode.Forbidden, "not_admin", bob.PostAsJsonAsync($"/chat/{groupId}/pins", new { id = inGroup }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "message_not_found", alice.PostAsJsonAsync($"/chat/{groupId}/pins", new { message_id = inGroup }));
        await AssertProblemAsync(HttpStatusCode.NotFound, "message_not_found", alice.PostAsJsonAsync($"/chat/{groupId}/pins", new { id = 999999 }));
        await AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_attachment", bob.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "file", attachments = new[] { "nope" } }));

        (await alice.DeleteAsync($"/chat/{chatId}/messages/{mine}")).EnsureSuccessStatusCode();
        await AssertProblemAsync(HttpStatusCode.Conflict, "message_deleted", alice.PatchAsJsonAsync($"/chat/{chatId}/messages/{mine}", new { text = "undo" }));
        await AssertProblemAsync(HttpStatusCode.Conflict, "message_deleted", bob.PostAsJsonAsync($"/chat/{chatId}/messages/{mine}/reactions", new { emoji = "👍" }));
        await AssertProblemAsync(HttpStatusCode.Conflict, "message_deleted", bob.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "quote", reply_to = mine }));
    }

    [Fact]
    public async Task WebSocket_ChangesAreFrames_WhoseEventsReachEveryV2Connection_AndRefusalsNameTheMessage()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        using var alice = await Server.ConnectAsync(Alice, chatId, query: "?v=2");
        using var bob = await Server.ConnectAsync(Bob, chatId, query: "?v=2");
        using var bobV1 = await Server.ConnectAsync(Bob, chatId);

        await alice.SendAsync(new { type = "message", text = "first", client_id = "c-1" });
        var message = await bob.ReceiveAsync("message");
        await alice.ReceiveAsync("message"); // Her own, as every connection of the chat gets it.
        var id = (long)message["id"]!;
        await bob.SendAsync(new { type = "message", text = "a reply", reply_to = id });
        var reply = await alice.ReceiveAsync("message");
        Assert.Equal((id, "first", "alice"), ((long)reply["reply_to"]!, (string?)reply["reply_preview"]!["text"], (string?)reply["reply_preview"]!["sender_username"]));

        await alice.SendAsync(new { type = "edit", id, text = "first, edited", client_id = "e-1" });
        var updated = await bob.ReceiveAsync("message_updated");
        Assert.Equal((id, "first, edited", "e-1"), ((long)updated["id"]!, (string?)updated["text"], (string?)updated["client_id"]));
        Assert.Equal((long)message["seq"]! + 2, (long)updated["seq"]!);
        Assert.Equal("first, edited", (string?)(await alice.ReceiveAsync("message_updated"))["text"]); // The editor's own connection too.

        await bob.SendAsync(new { type = "react", id, emoji = "🎉" });
        var reaction = await alice.ReceiveAsync("reaction");
        Assert.Equal(("🎉", (long)Bob, "bob", true, 1), ((string?)reaction["emoji"], (long)reaction["user"]!, (string?)reaction["username"], (bool)reaction["on"]!, (int)reaction["count"]!));
        await bob.SendAsync(new { type = "pin", id, pinned = true });
        Assert.True((bool)(await alice.ReceiveAsync("pin"))["pinned"]!);

        // Someone else's message: the refusal names it, and the socket goes on.
        await bob.SendAsync(new { type = "edit", id, text = "not mine" });
        var refused = await bob.ReceiveAsync("error");
        Assert.Equal(("not_author", id), ((string?)refused["code"], (long)refused["id"]!));
        await bob.SendAsync(new { type = "delete" });
        Assert.Equal("invalid_frame", (string?)(await bob.ReceiveAsync("error"))["code"]);

        await alice.SendAsync(new { type = "delete", id });
        var deleted = await bob.ReceiveAsync("message_deleted");
        Assert.Equal((id, (long)Alice), ((long)deleted["id"]!, (long)deleted["by"]!));

        // A v1 socket hears new messages, never the change events it would not understand.
        await alice.SendAsync(new { type = "message", text = "last" });
        var v1Frames = new List<string?>();
        JsonObject frame;
        do
        {
            frame = await bobV1.ReceiveAsync();
            v1Frames.Add((string?)frame["type"]);
        }
        while ((string?)frame["text"] != "last");
        Assert.DoesNotContain(v1Frames, t => t is "message_updated" or "reaction" or "pin" or "message_deleted");
    }

    [Fact]
    public async Task Hub_SendsEditsReactsAndPins_AndItsConnectionsHearTheEvents()
    {
        var groupId = await Server.CreateGroupAsync(Alice, "bob");
        await using var alice = await Server.ConnectHubAsync(Alice);
        await using var bob = await Server.ConnectHubAsync(Bob);
        var updates = Record(bob, "message_updated");
        var reactions = Record(bob, "reaction");
        var pins = Record(bob, "pin");
        var deletions = Record(bob, "message_deleted");
        await bob.InvokeAsync<JsonElement>("JoinChatSince", groupId, 0L);

        var sent = await alice.InvokeAsync<JsonElement>("Send", groupId, new { text = "hub message", client_id = "h-1" });
        var id = sent.GetProperty("id").GetInt64();
        var reply = await bob.InvokeAsync<JsonElement>("Send", groupId, new { text = "hub reply", reply_to = id });
        Assert.Equal(id, reply.GetProperty("reply_preview").GetProperty("id").GetInt64());

        var edit = await alice.InvokeAsync<JsonElement?>("EditMessage", groupId, id, "hub message, edited", "e-1");
        Assert.Equal("message_updated", edit!.Value.GetProperty("type").GetString());
        Assert.Null(await alice.InvokeAsync<JsonElement?>("EditMessage", groupId, id, "hub message, edited", "e-1")); // A retry: nothing changed.
        Assert.Equal("hub message, edited", (await updates.Reader.ReadAsync(Timeout())).GetProperty("text").GetString());

        var react = await bob.InvokeAsync<JsonElement?>("React", groupId, id, ":tada:", true);
        Assert.Equal(1, react!.Value.GetProperty("count").GetInt32());
        Assert.Equal(":tada:", (await reactions.Reader.ReadAsync(Timeout())).GetProperty("emoji").GetString());

        var refused = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => bob.InvokeAsync("Pin", groupId, id, true));
        Assert.Contains("not_admin", refused.Message, StringComparison.Ordinal);
        await alice.InvokeAsync("Pin", groupId, id, true);
        Assert.True((await pins.Reader.ReadAsync(Timeout())).GetProperty("pinned").GetBoolean());
        await alice.InvokeAsync("DeleteMessage", groupId, reply.GetProperty("id").GetInt64()); // An admin deletes Bob's.
        Assert.Equal(reply.GetProperty("id").GetInt64(), (await deletions.Reader.ReadAsync(Timeout())).GetProperty("id").GetInt64());
    }

    private static async Task AssertProblemAsync(HttpStatusCode status, string code, Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["code"]);
    }
}
