using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>The change log on the wire: catch-up by seq on every transport, change events, and their seams.</summary>
public sealed class ChangeLogTransportTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private ChatServer Server => fixture.Server;

    [Fact]
    public async Task AfterSeq_ReplaysEveryChange_ThenCaughtUp_ThenLive_WithNoGapOrRepeat_WhileSendsRace()
    {
        var groupId = await Server.CreateGroupAsync(Alice, "bob");
        using var alice = Server.Client(Alice);
        for (var i = 0; i < 5; i++)
        {
            await SendAsync(Alice, groupId, $"before {i}");
        }

        (await alice.PostAsJsonAsync($"/group/{groupId}/members", new { usernames = new[] { "carol" } })).EnsureSuccessStatusCode();
        using var aliceSocket = await Server.ConnectAsync(Alice, groupId);

        // Alice keeps sending while Bob connects from change 1: the replay and the live traffic meet.
        const int Racing = 40;
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < Racing; i++)
            {
                await aliceSocket.SendAsync(new { type = "message", text = $"racing {i}", client_id = $"r{i}" });
            }
        });
        using var bob = await Server.ConnectAsync(Bob, groupId, query: "?after_seq=1");
        await sending;

        var seen = new List<long>();
        JsonObject? caughtUp = null;
        var lastSeq = 1 + 5 + 1 + Racing; // Creation, five messages, Carol's arrival, the racing sends.
        // Until everything arrived and the replay said it was done (when the sends all committed before
        // Bob's replay read, caught_up comes after the last of them).
        while (caughtUp is null || seen.Count == 0 || seen[^1] < lastSeq)
        {
            var frame = await bob.ReceiveAsync();
            switch ((string?)frame["type"])
            {
                case "caught_up":
                    caughtUp = frame;
                    Assert.False((bool)frame["limited"]!);
                    Assert.Equal(seen[^1], (long)frame["seq"]!);
                    break;
                case "message" or "member_added":
                    seen.Add((long)frame["seq"]!);
                    break;
            }
        }

        Assert.NotNull(caughtUp);
        Assert.Equal(Enumerable.Range(2, lastSeq - 1).Select(i => (long)i), seen);
    }

    [Fact]
    public async Task AReplay_EndsWithTheReadState_ThenCaughtUp()
    {
        var groupId = await Server.CreateGroupAsync(Alice, "bob");
        await SendAsync(Alice, groupId, "read me");
        var page = await Server.Client(Bob).GetFromJsonAsync<JsonObject>($"/group/{groupId}"); // The newest page marks it read.
        Assert.Equal(2L, (long)page!["seq"]!);

        using var alice = await Server.ConnectAsync(Alice, groupId, query: "?after_seq=1");

        var frames = new List<JsonObject>();
        do
        {
            frames.Add(await alice.ReceiveAsync());
        }
        while ((string?)frames[^1]["type"] != "caught_up");

        var numberedAndReads = frames.Where(f => (string?)f["type"] is "message" or "read" or "caught_up").ToList();
        Assert.Equal(["message", "read", "caught_up"], numberedAndReads.Select(f => (string?)f["type"]));
        Assert.Equal(("bob", (long)numberedAndReads[0]["id"]!), ((string?)numberedAndReads[1]["username"], (long)numberedAndReads[1]["up_to"]!));
    }

    [Fact]
    public async Task ChangeEvents_ReachV2SocketsOnly_AndARemovedMemberHearsOfIt_ThenIsClosedWith1008()
    {
        var groupId = await Server.CreateGroupAsync(Alice, "bob", "carol");
        using var bobV1 = await Server.ConnectAsync(Bob, groupId);
        using var bobV2 = await Server.ConnectAsync(Bob, groupId, query: "?v=2");
        using var carol = await Server.ConnectAsync(Carol, groupId, query: "?v=2");
        using var alice = Server.Client(Alice);

        (await alice.DeleteAsync($"/group/{groupId}/members/carol")).EnsureSuccessStatusCode();

        var removed = await carol.ReceiveAsync("member_removed");
        Assert.Equal((Carol, "carol", "removed", Alice, 2L), ((long)removed["user"]!, (string?)removed["username"], (string?)removed["reason"], (long)removed["by"]!, (long)removed["seq"]!));
        Assert.Equal((long)groupId, (long)removed["chat_id"]!);
        Assert.Null(removed["until"]);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await carol.WaitForCloseAsync());
        Assert.Equal(2, (long)(await bobV2.ReceiveAsync("member_removed"))["seq"]!);

        await SendAsync(Alice, groupId, "after");
        var types = new List<string?>();
        JsonObject next;
        do
        {
            next = await bobV1.ReceiveAsync();
            types.Add((string?)next["type"]);
        }
        while ((string?)next["type"] != "message");

        Assert.DoesNotContain("member_removed", types); // v1 sockets never see change events...
        Assert.Equal(3L, (long)next["seq"]!); // ...but their messages carry seq.
    }

    [Fact]
    public async Task DeletingAGroup_TellsV2Sockets_ThenClosesEveryone()
    {
        var groupId = await Server.CreateGroupAsync(Alice, "bob");
        using var bob = await Server.ConnectAsync(Bob, groupId, query: "?v=2");
        using var alice = Server.Client(Alice);

        (await alice.DeleteAsync($"/group/{groupId}")).EnsureSuccessStatusCode();

        var deleted = await bob.ReceiveAsync("chat_deleted");
        Assert.Equal((2L, Alice), ((long)deleted["seq"]!, (long)deleted["by"]!));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await bob.WaitForCloseAsync());
    }

    [Theory]
    [InlineData("?after_seq=abc")]
    [InlineData("?after_seq=-1")]
    public async Task AMalformedAfterSeq_Is400InvalidPaging_BeforeTheUpgrade(string query)
    {
        var chatId = await Server.StartChatAsync(Alice, "dave");
        using var client = Server.Client(Alice);

        using var response = await client.GetAsync($"/ws/chat/{chatId}/{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_paging", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["code"]);
    }

    [Fact]
    public async Task ChangesRoute_ReplaysInPages_WithTheContractShape()
    {
        var groupId = await Server.CreateGroupAsync(Alice, "bob");
        using var alice = Server.Client(Alice);
        await SendAsync(Alice, groupId, "hello");
        (await alice.PostAsJsonAsync($"/group/{groupId}/members", new { usernames = new[] { "carol" } })).EnsureSuccessStatusCode();
        (await alice.PostAsJsonAsync($"/group/{groupId}/admins", new { username = "carol" })).EnsureSuccessStatusCode();
        (await alice.PatchAsJsonAsync($"/group/{groupId}", new { name = "Renamed" })).EnsureSuccessStatusCode();
        (await Server.Client(Bob).PostAsync($"/group/{groupId}/leave", null)).EnsureSuccessStatusCode();

        var all = await alice.GetFromJsonAsync<JsonObject>($"/chat/{groupId}/changes?after_seq=0");
        var first = await alice.GetFromJsonAsync<JsonObject>($"/chat/{groupId}/changes/?after_seq=0&limit=2");
        var rest = await alice.GetFromJsonAsync<JsonObject>($"/chat/{groupId}/changes?after_seq={(long)first!["seq"]!}&limit=10");

        Snapshot.Match("changes", all);
        Assert.Equal((2L, true), ((long)first["seq"]!, (bool)first["has_more"]!));
        Assert.Equal([3L, 4, 5, 6], rest!["events"]!.AsArray().Select(e => (long)e!["seq"]!));
        Assert.False((bool)rest["has_more"]!);
    }

    [Fact]
    public async Task ChangesRoute_RefusesStrangersAndBadNumbers_AndIsLimitedWhenAhead()
    {
        var chatId = await Server.StartChatAsync(Alice, "eve");
        using var alice = Server.Client(Alice);

        using var stranger = await Server.Client(Carol).GetAsync($"/chat/{chatId}/changes?after_seq=0");
        using var malformed = await alice.GetAsync($"/chat/{chatId}/changes?after_seq=x");
        using var tooLarge = await alice.GetAsync($"/chat/{chatId}/changes?after_seq=0&limit=1001");
        var ahead = await alice.GetFromJsonAsync<JsonObject>($"/chat/{chatId}/changes?after_seq=99");

        Assert.Equal((HttpStatusCode.NotFound, "chat_not_found"), (stranger.StatusCode, await CodeOf(stranger)));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_paging"), (malformed.StatusCode, await CodeOf(malformed)));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_paging"), (tooLarge.StatusCode, await CodeOf(tooLarge)));
        Assert.Equal((true, 1L, 0), ((bool)ahead!["limited"]!, (long)ahead["seq"]!, ahead["events"]!.AsArray().Count));
    }

    [Fact]
    public async Task ChatPages_TakeMarkReadFalse_AndAround_WithHasNewer()
    {
        var chatId = await Server.StartChatAsync(Alice, "eve");
        for (var i = 1; i <= 5; i++)
        {
            await SendAsync(Alice, chatId, $"m{i}");
        }

        using var eve = Server.Client(Eve);
        var background = await eve.GetFromJsonAsync<JsonObject>($"/chat/{chatId}?mark_read=false");
        var middle = background!["messages"]!.AsArray()[2]!;
        var around = await eve.GetFromJsonAsync<JsonObject>($"/chat/{chatId}?around={(long)middle["id"]!}&limit=3");
        var list = await eve.GetFromJsonAsync<JsonArray>("/chat/");

        Assert.Null(background["has_newer"]);
        Assert.Equal(["m2", "m3", "m4"], around!["messages"]!.AsArray().Select(m => (string?)m!["text"]));
        Assert.True((bool)around["has_newer"]!);
        Assert.Equal(5, (long)list!.Single(c => (long)c!["id"]! == chatId)!["unread"]!);
    }

    [Fact]
    public async Task Hub_JoinChatSince_ReturnsTheChanges_ThenDeliversChangeEventsByTheirType()
    {
        var groupId = await Server.CreateGroupAsync(Alice, "bob");
        using var alice = Server.Client(Alice);
        await SendAsync(Alice, groupId, "hello");
        await using var hub = await Server.ConnectHubAsync(Bob);
        var added = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JsonElement>("member_added", e => added.TrySetResult(e));

        var joined = await hub.InvokeAsync<JsonElement>("JoinChatSince", groupId, 0L);
        (await alice.PostAsJsonAsync($"/group/{groupId}/members", new { usernames = new[] { "dave" } })).EnsureSuccessStatusCode();
        var live = await added.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["member_added", "message"], joined.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        Assert.Equal((2L, false, false), (joined.GetProperty("seq").GetInt64(), joined.GetProperty("has_more").GetBoolean(), joined.GetProperty("limited").GetBoolean()));
        Assert.Equal(3, live.GetProperty("seq").GetInt64());
        Assert.Equal("dave", live.GetProperty("users")[0].GetProperty("username").GetString());
        var notMine = await Server.StartChatAsync(Alice, "carol");
        await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => hub.InvokeAsync<JsonElement>("JoinChatSince", notMine, 0L));
    }

    /// <summary>Sends through the hub, which answers once the message is committed.</summary>
    private async Task SendAsync(long userId, long chatId, string text)
    {
        await using var hub = await Server.ConnectHubAsync(userId);
        await hub.InvokeAsync<JsonElement>("SendMessage", chatId, text, null);
    }

    private static async Task<string?> CodeOf(HttpResponseMessage response) =>
        (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["code"];
}
