using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>One stream per user (contract v2, section 4): <c>ws/user/</c>, the hub's <c>Subscribe</c>, and <c>/sync/</c>.</summary>
public sealed class UserStreamTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private ChatServer Server => fixture.Server;

    [Fact]
    public async Task ANewPrivateChat_ReachesTheOtherUsersStream_AtOnce_ThenItsMessages_AndTheirOwnReadClearsTheBadge()
    {
        using var dave = await Server.ConnectUserAsync(Dave);
        var synced = await dave.ReceiveAsync("synced");
        Assert.True((bool)synced["limited"]!); // Without a cursor: load the lists.

        var chatId = await Server.StartChatAsync(Eve, "dave");
        var added = await dave.ReceiveAsync("chat_added");
        Assert.Equal(chatId, (long)added["chat_id"]!);
        Assert.Equal("private", (string?)added["kind"]);
        Assert.Equal("eve", (string?)added["chat"]!["username"]);
        Assert.Equal(1L, (long)added["seq"]!);

        var sent = await SendAsync(Eve, chatId, "hello @dave");
        var message = await dave.ReceiveAsync("message");
        Assert.Equal(chatId, (long)message["chat_id"]!);
        Assert.Equal(sent, (long)message["id"]!);
        Assert.Equal(2L, (long)message["seq"]!);

        // Dave reads it on this very socket, naming the chat: his read comes back, then his exact counts.
        await dave.SendAsync(new { type = "read", chat_id = chatId, up_to = sent });
        var read = await dave.ReceiveAsync("read");
        Assert.Equal(Dave, (long)read["user"]!);
        var unread = await dave.ReceiveAsync("unread");
        Assert.Equal(chatId, (long)unread["chat_id"]!);
        Assert.Equal(0L, (long)unread["unread"]!);
        Assert.Equal(0L, (long)unread["mentions"]!);
    }

    [Fact]
    public async Task Sync_CatchesUpAClientThatWasOffline_WithNothingLost_AcrossPages()
    {
        var leftGroup = await Server.CreateGroupAsync(Alice, "carol");
        var keptGroup = await Server.CreateGroupAsync(Alice, "carol");
        using var carol = Server.Client(Carol);
        var first = await carol.GetFromJsonAsync<JsonObject>("/sync/");
        Assert.True((bool)first!["limited"]!);
        Assert.Empty(first["events"]!.AsArray());
        var cursor = (string)first["next"]!;

        // While Carol is away: messages in a group she is in, a new group, a private chat, and a removal.
        for (var i = 0; i < 4; i++)
        {
            await SendAsync(Alice, keptGroup, $"kept {i}");
        }

        var newGroup = await Server.CreateGroupAsync(Alice, "carol");
        await SendAsync(Alice, newGroup, "welcome");
        var privateChat = await Server.StartChatAsync(Dave, "carol");
        await SendAsync(Dave, privateChat, "psst");
        using (var alice = Server.Client(Alice))
        {
            (await alice.DeleteAsync($"/group/{leftGroup}/members/carol")).EnsureSuccessStatusCode();
        }

        // Small pages: has_more until everything is there.
        var events = new List<JsonObject>();
        JsonObject page;
        do
        {
            page = (await carol.GetFromJsonAsync<JsonObject>($"/sync/?since={cursor}&limit=2"))!;
            Assert.False((bool)page["limited"]!);
            events.AddRange(page["events"]!.AsArray().Select(e => e!.AsObject()));
            cursor = (string)page["next"]!;
        }
        while ((bool)page["has_more"]!);

        Assert.Equal(
            Enumerable.Range(0, 4).Select(i => $"kept {i}"),
            events.Where(e => (string?)e["type"] == "message" && (long)e["chat_id"]! == keptGroup).Select(e => (string?)e["text"]));
        Assert.Equal(new long[] { 2, 3, 4, 5 }, events.Where(e => (long?)e["chat_id"] == keptGroup && e["seq"] is not null && (string?)e["type"] != "unread").Select(e => (long)e["seq"]!));
        Assert.Single(events, e => (string?)e["type"] == "chat_added" && (long)e["chat_id"]! == newGroup && (string?)e["kind"] == "group");
        Assert.Single(events, e => (string?)e["type"] == "chat_added" && (long)e["chat_id"]! == privateChat && (string?)e["kind"] == "private");
        var removed = Assert.Single(events, e => (string?)e["type"] == "chat_removed");
        Assert.Equal(leftGroup, (long)removed["chat_id"]!);
        Assert.Equal("removed", (string?)removed["reason"]);
        Assert.DoesNotContain(events, e => (long?)e["chat_id"] == leftGroup && (string?)e["type"] != "chat_removed");
        var keptUnread = Assert.Single(events, e => (string?)e["type"] == "unread" && (long)e["chat_id"]! == keptGroup);
        Assert.Equal(4L, (long)keptUnread["unread"]!);

        // Nothing more since: an empty page, and the same cursor works on.
        var again = (await carol.GetFromJsonAsync<JsonObject>($"/sync/?since={cursor}"))!;
        Assert.Empty(again["events"]!.AsArray());
        Assert.False((bool)again["limited"]!);
    }

    [Fact]
    public async Task Sync_ATamperedCursorIs400_AnotherUsersOrAnOlderFormatIsLimited_AndPostTakesLongCursors()
    {
        using var bob = Server.Client(Bob);
        var cursor = (string)(await bob.GetFromJsonAsync<JsonObject>("/sync/"))!["next"]!;
        Assert.StartsWith("c2.", cursor, StringComparison.Ordinal);

        var tampered = cursor[..^3] + (cursor[^3] == 'A' ? "B" : "A") + cursor[^2..];
        using var bad = await bob.GetAsync($"/sync/?since={tampered}");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("invalid_cursor", (string?)(await bad.Content.ReadFromJsonAsync<JsonObject>())!["code"]);

        using var carol = Server.Client(Carol);
        var foreign = (await carol.GetFromJsonAsync<JsonObject>($"/sync/?since={cursor}"))!;
        Assert.True((bool)foreign["limited"]!);
        Assert.Empty(foreign["events"]!.AsArray());

        var older = (await bob.GetFromJsonAsync<JsonObject>("/sync/?since=c1.AAAA"))!;
        Assert.True((bool)older["limited"]!);

        using var posted = await bob.PostAsJsonAsync("/sync/", new { since = cursor, limit = 10 });
        posted.EnsureSuccessStatusCode();
        Assert.False((bool)(await posted.Content.ReadFromJsonAsync<JsonObject>())!["limited"]!);

        using var anonymous = Server.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/sync/")).StatusCode);
    }

    [Fact]
    public async Task TheUserSocket_FromACursor_ReplaysThenSyncedThenLive_WithNoGapOrRepeat_WhileSendsRace()
    {
        var groupId = await Server.CreateGroupAsync(Alice, "bob");
        using var bobRest = Server.Client(Bob);
        var cursor = (string)(await bobRest.GetFromJsonAsync<JsonObject>("/sync/"))!["next"]!;
        for (var i = 0; i < 5; i++)
        {
            await SendAsync(Alice, groupId, $"before {i}");
        }

        using var aliceSocket = await Server.ConnectAsync(Alice, groupId);
        const int Racing = 40;
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < Racing; i++)
            {
                await aliceSocket.SendAsync(new { type = "message", text = $"racing {i}", client_id = $"u{i}" });
            }
        });
        using var bob = await Server.ConnectUserAsync(Bob, cursor);
        await sending;

        var seqs = new List<long>();
        var synced = false;
        const long LastSeq = 1 + 5 + Racing;
        while (!synced || seqs.Count == 0 || seqs[^1] < LastSeq)
        {
            var frame = await bob.ReceiveAsync();
            switch ((string?)frame["type"])
            {
                case "synced":
                    synced = true;
                    Assert.False((bool)frame["limited"]!);
                    break;
                case "message" when (long)frame["chat_id"]! == groupId:
                    seqs.Add((long)frame["seq"]!);
                    break;
            }
        }

        Assert.Equal(Enumerable.Range(2, (int)LastSeq - 1).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task TheUserSocket_TakesChatFramesWithTheirChatId_CheckingMembershipPerFrame_AndStaysOpen()
    {
        var mine = await Server.CreateGroupAsync(Alice, "bob");
        var notMine = await Server.CreateGroupAsync(Carol, "dave");
        using var bob = await Server.ConnectUserAsync(Bob);
        await bob.ReceiveAsync("synced");

        await bob.SendAsync(new { type = "message", text = "no chat" });
        Assert.Equal("invalid_frame", (string?)(await bob.ReceiveAsync("error"))["code"]);

        await bob.SendAsync(new { type = "message", chat_id = notMine, text = "intruding", client_id = "x1" });
        var refused = await bob.ReceiveAsync("error");
        Assert.Equal("chat_not_found", (string?)refused["code"]);
        Assert.Equal("x1", (string?)refused["client_id"]);

        await bob.SendAsync(new { type = "message", chat_id = mine, text = "through the user socket", client_id = "ok1" });
        var message = await bob.ReceiveAsync("message");
        Assert.Equal(mine, (long)message["chat_id"]!);
        Assert.Equal("through the user socket", (string?)message["text"]);
        Assert.Equal(Bob, (long)message["sender"]!);
    }

    [Fact]
    public async Task Typing_ComesOnlyForWatchedChats()
    {
        var unwatched = await Server.CreateGroupAsync(Alice, "bob");
        var watched = await Server.CreateGroupAsync(Alice, "bob");
        using var bob = await Server.ConnectUserAsync(Bob);
        await bob.ReceiveAsync("synced");
        await bob.SendAsync(new { type = "watch", chat_ids = new[] { watched } });
        await bob.SendAsync(new { type = "message", chat_id = watched, text = "frames are handled in order" });
        await bob.ReceiveAsync("message");

        using var alice = await Server.ConnectUserAsync(Alice);
        await alice.ReceiveAsync("synced");
        await alice.SendAsync(new { type = "typing", chat_id = unwatched });
        await alice.SendAsync(new { type = "typing", chat_id = watched });
        await alice.SendAsync(new { type = "message", chat_id = unwatched, text = "marker" });

        // A chat's events keep their order, so the unwatched chat's typing would come before its marker.
        var frames = new List<JsonObject>();
        while (!frames.Any(f => (string?)f["type"] == "message") || !frames.Any(f => (string?)f["type"] == "typing"))
        {
            frames.Add(await bob.ReceiveAsync());
        }

        var typing = Assert.Single(frames, f => (string?)f["type"] == "typing");
        Assert.Equal(watched, (long)typing["chat_id"]!);
    }

    [Fact]
    public async Task ARemoval_EndsTheChatOnTheStream_WithChatRemoved_AndNothingAfter()
    {
        var groupId = await Server.CreateGroupAsync(Alice, "bob");
        using var bob = await Server.ConnectUserAsync(Bob);
        await bob.ReceiveAsync("synced");
        using (var alice = Server.Client(Alice))
        {
            (await alice.DeleteAsync($"/group/{groupId}/members/bob")).EnsureSuccessStatusCode();
        }

        var removed = await bob.ReceiveAsync("chat_removed");
        Assert.Equal(groupId, (long)removed["chat_id"]!);
        Assert.Equal("removed", (string?)removed["reason"]);

        var other = await Server.StartChatAsync(Alice, "bob");
        await SendAsync(Alice, groupId, "after the removal");
        await SendAsync(Alice, other, "marker");
        var next = await bob.ReceiveAsync("message");
        Assert.Equal(other, (long)next["chat_id"]!); // Nothing of the group came before the marker.
    }

    [Fact]
    public async Task NotificationSettings_ReachTheUsersOtherDevices()
    {
        var groupId = await Server.CreateGroupAsync(Alice, "bob");
        using var phone = await Server.ConnectUserAsync(Bob);
        await phone.ReceiveAsync("synced");
        using var desktop = Server.Client(Bob);
        (await desktop.PutAsJsonAsync($"/chat/{groupId}/notifications", new { level = "mentions", muted_until = (string?)null })).EnsureSuccessStatusCode();

        var notice = await phone.ReceiveAsync("notifications");
        Assert.Equal(groupId, (long)notice["chat_id"]!);
        Assert.Equal("mentions", (string?)notice["level"]);
    }

    [Fact]
    public async Task TheHub_Subscribe_ReturnsTheFirstPage_ThenDeliversEveryChatOnce_EvenWhenJoined()
    {
        await using var hub = await Server.ConnectHubAsync(Carol);
        var added = HubEvents.Record(hub, "chat_added");
        var messages = HubEvents.Record(hub, "message");
        var first = await hub.InvokeAsync<JsonElement>("Subscribe", (string?)null);
        Assert.True(first.GetProperty("limited").GetBoolean());
        Assert.StartsWith("c2.", first.GetProperty("next").GetString(), StringComparison.Ordinal);

        var groupId = await Server.CreateGroupAsync(Alice, "carol");
        var chatAdded = await added.Reader.ReadAsync(HubEvents.Timeout());
        Assert.Equal(groupId, chatAdded.GetProperty("chat_id").GetInt64());

        await hub.InvokeAsync<List<JsonElement>>("JoinChat", groupId, null);
        await SendAsync(Alice, groupId, "once");
        await SendAsync(Alice, groupId, "twice?");
        Assert.Equal("once", (await messages.Reader.ReadAsync(HubEvents.Timeout())).GetProperty("text").GetString());
        Assert.Equal("twice?", (await messages.Reader.ReadAsync(HubEvents.Timeout())).GetProperty("text").GetString());
        Assert.False(messages.Reader.TryRead(out _));

        var resumed = await hub.InvokeAsync<JsonElement>("Subscribe", first.GetProperty("next").GetString());
        Assert.False(resumed.GetProperty("limited").GetBoolean());
        Assert.Contains(resumed.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "chat_added");
    }

    [Fact]
    public async Task Sync_IsRateLimited_PerUser()
    {
        await using var server = await ChatServer.StartAsync(engine: b => b.Services.Configure<ChatEngineOptions>(o => o.Sync.RequestsPerMinute = 2));
        using var bob = server.Client(Bob);
        (await bob.GetAsync("/sync/")).EnsureSuccessStatusCode();
        (await bob.GetAsync("/sync/")).EnsureSuccessStatusCode();
        using var third = await bob.GetAsync("/sync/");
        Assert.Equal((HttpStatusCode)429, third.StatusCode);
        Assert.True(third.Headers.RetryAfter is not null);
        using var carol = server.Client(Carol);
        (await carol.GetAsync("/sync/")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task TheStream_SendsCursorsWhileEventsFlow_AndACursorResumesWithoutRepeats()
    {
        await using var server = await ChatServer.StartAsync(engine: b => b.Services.Configure<ChatEngineOptions>(o => o.Sync.CursorInterval = TimeSpan.FromTicks(1)));
        var groupId = await server.CreateGroupAsync(Alice, "bob");
        using var bob = await server.ConnectUserAsync(Bob);
        await bob.ReceiveAsync("synced");
        using (var alice = server.Client(Alice))
        {
            (await alice.PostAsJsonAsync($"/chat/{groupId}/messages", new { text = "seen live" })).EnsureSuccessStatusCode();
        }

        await bob.ReceiveAsync("message");
        var cursor = (string)(await bob.ReceiveAsync("cursor"))["next"]!;
        using (var alice = server.Client(Alice))
        {
            (await alice.PostAsJsonAsync($"/chat/{groupId}/messages", new { text = "missed" })).EnsureSuccessStatusCode();
        }

        using var rest = server.Client(Bob);
        var page = (await rest.GetFromJsonAsync<JsonObject>($"/sync/?since={cursor}"))!;
        var texts = page["events"]!.AsArray().Where(e => (string?)e!["type"] == "message").Select(e => (string?)e!["text"]).ToList();
        Assert.Equal(["missed"], texts);
    }

    private async Task<long> SendAsync(long userId, long chatId, string text)
    {
        using var client = Server.Client(userId);
        using var response = await client.PostAsJsonAsync($"/chat/{chatId}/messages", new { text });
        response.EnsureSuccessStatusCode();
        return (long)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }
}
