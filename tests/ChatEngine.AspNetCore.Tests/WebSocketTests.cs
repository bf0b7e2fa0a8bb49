using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

public sealed class WebSocketTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private ChatServer Server => fixture.Server;

    [Fact]
    public async Task Message_ReachesEveryConnectionOfEveryMember_OnlyAfterCommit()
    {
        var groupId = await Server.CreateGroupAsync(Alice, "bob", "carol");
        using var alice = await Server.ConnectAsync(Alice, groupId);
        using var bobTab1 = await Server.ConnectAsync(Bob, groupId);
        using var bobTab2 = await Server.ConnectAsync(Bob, groupId);
        using var carol = await Server.ConnectAsync(Carol, groupId);

        await alice.SendAsync(new { type = "message", text = "  hello everyone  ", client_id = "c-1" });

        foreach (var socket in new[] { alice, bobTab1, bobTab2, carol })
        {
            var frame = await socket.ReceiveAsync("message");
            Assert.Equal("hello everyone", (string?)frame["text"]);
            Assert.Equal("alice", (string?)frame["sender_username"]);
            Assert.Equal(groupId, (long)frame["chat_id"]!);
            Assert.Equal("c-1", (string?)frame["client_id"]);
            Snapshot.Match("ws-message", frame);
        }

        // Delivered means committed: the message is in the history.
        var history = await Server.Client(Carol).GetFromJsonAsync<JsonObject>($"/group/{groupId}");
        Assert.Equal("hello everyone", (string?)history!["messages"]!.AsArray().Single()!["text"]);
    }

    [Fact]
    public async Task Upgrade_IsRefusedForAnonymousNonMembersAndForeignCookieOrigins()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");

        Assert.Equal(HttpStatusCode.Unauthorized, await UpgradeStatusAsync(chatId, socket => { }));
        Assert.Equal(HttpStatusCode.Forbidden, await UpgradeStatusAsync(chatId, socket => socket.Options.SetRequestHeader("Authorization", $"Bearer {Server.TokenFor(Carol)}")));

        var cookie = await Server.CookieForAsync(Alice);
        Assert.Equal(HttpStatusCode.Forbidden, await UpgradeStatusAsync(chatId, socket =>
        {
            socket.Options.SetRequestHeader("Cookie", cookie);
            socket.Options.SetRequestHeader("Origin", "https://evil.example");
        }));

        using var sameOrigin = new ClientWebSocket();
        sameOrigin.Options.SetRequestHeader("Cookie", cookie);
        sameOrigin.Options.SetRequestHeader("Origin", $"http://{Server.BaseAddress.Authority}");
        await sameOrigin.ConnectAsync(Server.WebSocketUri($"/ws/chat/{chatId}/"), CancellationToken.None);
        Assert.Equal(WebSocketState.Open, sameOrigin.State);

        // Bearer tokens cannot be sent by another site's page, so their Origin is not checked.
        using var bearerElsewhere = new ClientWebSocket();
        bearerElsewhere.Options.SetRequestHeader("Authorization", $"Bearer {Server.TokenFor(Alice)}");
        bearerElsewhere.Options.SetRequestHeader("Origin", "https://mobile.example");
        await bearerElsewhere.ConnectAsync(Server.WebSocketUri($"/ws/chat/{chatId}/"), CancellationToken.None);
        Assert.Equal(WebSocketState.Open, bearerElsewhere.State);
    }

    [Fact]
    public async Task AccessTokenQueryParameter_NeverReachesTheRequestLog()
    {
        await using var server = await ChatServer.StartAsync(logLevel: Microsoft.Extensions.Logging.LogLevel.Information);
        var chatId = await server.StartChatAsync(Alice, "bob");
        var token = server.TokenFor(Bob);

        using (var socket = new ClientWebSocket())
        {
            await socket.ConnectAsync(server.WebSocketUri($"/ws/chat/{chatId}/?access_token={token}&after=0"), CancellationToken.None);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }

        await using (var hub = await server.ConnectHubAsync(Bob))
        {
            await hub.InvokeAsync<List<System.Text.Json.JsonElement>>("JoinChat", chatId, null);
        }

        var requests = server.Logs.Entries.Where(e => e.Category == "Microsoft.AspNetCore.Hosting.Diagnostics").ToArray();
        Assert.Contains(requests, e => e.Message.Contains($"/ws/chat/{chatId}/?after=0", StringComparison.Ordinal));
        Assert.Contains(requests, e => e.Message.Contains("/hubs/chat", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Logs.Entries, e => e.Message.Contains(token, StringComparison.Ordinal) || e.Message.Contains("access_token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AccessTokenQueryParameter_Authenticates()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        using var socket = new ClientWebSocket();

        await socket.ConnectAsync(Server.WebSocketUri($"/ws/chat/{chatId}/?access_token={Server.TokenFor(Bob)}"), CancellationToken.None);
        using var client = new ChatSocketClient(socket);
        await client.SendAsync(new { type = "message", text = "via query token" });

        Assert.Equal("bob", (string?)(await client.ReceiveAsync("message"))["sender_username"]);
    }

    [Fact]
    public async Task SpoofedSenderAndChat_AreIgnored()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        var otherChat = await Server.StartChatAsync(Carol, "dave");
        using var bob = await Server.ConnectAsync(Bob, chatId);

        await bob.SendAsync(new { type = "message", text = "who am I?", sender = Alice, sender_username = "alice", chat_id = otherChat, room_code = "x", read_by = Array.Empty<string>() });

        var frame = await bob.ReceiveAsync("message");
        Assert.Equal(Bob, (long)frame["sender"]!);
        Assert.Equal(chatId, (long)frame["chat_id"]!);
        var carolsChat = await Server.Client(Carol).GetFromJsonAsync<JsonObject>($"/chat/{otherChat}");
        Assert.Empty(carolsChat!["messages"]!.AsArray());
    }

    [Theory]
    [InlineData("{not json", "invalid_json")]
    [InlineData("""{"type": "dance"}""", "unknown_type")]
    [InlineData("""{"type": "message", "text": "   "}""", "empty_text")]
    [InlineData("""{"type": "read"}""", "invalid_frame")]
    [InlineData("""{"type": "read", "up_to": 987654321}""", "message_not_found")]
    [InlineData("[1, 2, 3]", "invalid_json")]
    public async Task BadFrame_GetsAnErrorFrame_AndTheSocketKeepsWorking(string badFrame, string code)
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        using var alice = await Server.ConnectAsync(Alice, chatId);

        await alice.SendTextAsync(badFrame);
        var error = await alice.ReceiveAsync("error");
        await alice.SendAsync(new { type = "message", text = "still here" });

        Assert.Equal(code, (string?)error["code"]);
        Assert.NotNull((string?)error["detail"]);
        Assert.Equal("still here", (string?)(await alice.ReceiveAsync("message"))["text"]);
    }

    [Fact]
    public async Task TooLongTextAndOversizedFrame_GetErrorFrames_AndTheSocketKeepsWorking()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        using var alice = await Server.ConnectAsync(Alice, chatId);

        await alice.SendAsync(new { type = "message", text = new string('x', 4001) });
        Assert.Equal("text_too_long", (string?)(await alice.ReceiveAsync("error"))["code"]);

        await alice.SendAsync(new { type = "message", text = new string('x', 200_000) });
        Assert.Equal("frame_too_large", (string?)(await alice.ReceiveAsync("error"))["code"]);

        await alice.SendAsync(new { type = "message", text = "fine" });
        Assert.Equal("fine", (string?)(await alice.ReceiveAsync("message"))["text"]);
    }

    [Fact]
    public async Task DuplicateClientId_YieldsOneMessage_AndAnAcknowledgementForTheRetry()
    {
        var chatId = await Server.CreateGroupAsync(Alice, "bob");
        using var alice = await Server.ConnectAsync(Alice, chatId);
        using var bob = await Server.ConnectAsync(Bob, chatId);

        await alice.SendAsync(new { type = "message", text = "once", client_id = "retry-me" });
        var first = await alice.ReceiveAsync("message");
        await alice.SendAsync(new { type = "message", text = "once", client_id = "retry-me" });
        var ack = await alice.ReceiveAsync("message");
        await alice.SendAsync(new { type = "message", text = "marker" });

        Assert.Equal((long)first["id"]!, (long)ack["id"]!);
        Assert.Equal("once", (string?)(await bob.ReceiveAsync("message"))["text"]);
        Assert.Equal("marker", (string?)(await bob.ReceiveAsync("message"))["text"]);
        var history = await Server.Client(Bob).GetFromJsonAsync<JsonObject>($"/group/{chatId}");
        Assert.Equal(["once", "marker"], history!["messages"]!.AsArray().Select(m => (string)m!["text"]!));
    }

    [Fact]
    public async Task Reconnect_WithAfter_GetsExactlyTheMissedMessagesInOrder_ThenLiveOnes()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        using var alice = await Server.ConnectAsync(Alice, chatId);
        await alice.SendAsync(new { type = "message", text = "seen" });
        var seenId = (long)(await alice.ReceiveAsync("message"))["id"]!;
        for (var i = 1; i <= 30; i++)
        {
            await alice.SendAsync(new { type = "message", text = $"missed {i}" });
            await alice.ReceiveAsync("message");
        }

        using var bob = await Server.ConnectAsync(Bob, chatId, after: seenId);
        await alice.SendAsync(new { type = "message", text = "live" });

        var received = new List<string>();
        while (received.Count < 31)
        {
            received.Add((string)(await bob.ReceiveAsync("message"))["text"]!);
        }

        Assert.Equal(Enumerable.Range(1, 30).Select(i => $"missed {i}").Append("live"), received);
        await alice.SendAsync(new { type = "typing" });
        Assert.Equal("typing", (string?)(await bob.ReceiveAsync("typing"))["type"]);
    }

    [Fact]
    public async Task Reconnect_AfterAMessageOfAnotherChat_GetsAnErrorFrame_AndLiveTraffic()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        var otherChat = await Server.StartChatAsync(Carol, "dave");
        using var carol = await Server.ConnectAsync(Carol, otherChat);
        await carol.SendAsync(new { type = "message", text = "elsewhere" });
        var foreignId = (long)(await carol.ReceiveAsync("message"))["id"]!;

        using var bob = await Server.ConnectAsync(Bob, chatId, after: foreignId);
        Assert.Equal("message_not_found", (string?)(await bob.ReceiveAsync("error"))["code"]);
        using var alice = await Server.ConnectAsync(Alice, chatId);
        await alice.SendAsync(new { type = "message", text = "live after all" });
        Assert.Equal("live after all", (string?)(await bob.ReceiveAsync("message"))["text"]);
    }

    [Fact]
    public async Task Reconnect_WithABadAfter_IsRefused()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        Assert.Equal(HttpStatusCode.BadRequest, await UpgradeStatusAsync(chatId, socket => socket.Options.SetRequestHeader("Authorization", $"Bearer {Server.TokenFor(Alice)}"), "?after=yesterday"));
    }

    [Fact]
    public async Task ReadAndTyping_ReachTheOtherMembers()
    {
        var chatId = await Server.StartChatAsync(Alice, "carol");
        using var alice = await Server.ConnectAsync(Alice, chatId);
        using var carol = await Server.ConnectAsync(Carol, chatId);
        await alice.SendAsync(new { type = "message", text = "read me" });
        var messageId = (long)(await carol.ReceiveAsync("message"))["id"]!;

        await carol.SendAsync(new { type = "read", up_to = messageId });
        var read = await alice.ReceiveAsync("read");
        await carol.SendAsync(new { type = "typing" });
        var typing = await alice.ReceiveAsync("typing");

        Assert.Equal((messageId, "carol", chatId), ((long)read["up_to"]!, (string)read["username"]!, (long)read["chat_id"]!));
        Snapshot.Match("ws-read", read);
        Assert.Equal("carol", (string?)typing["username"]);
        Snapshot.Match("ws-typing", typing);
    }

    [Fact]
    public async Task AReadFrameWaitingForItsCommit_DoesNotHoldTheSocketsNextFrames_AndItsEventFollows()
    {
        var gate = new WriteLoopGate();
        await using var server = await ChatServer.StartAsync(engine: b => b.AddChangeParticipant<WriteLoopGate.Participant>(), services: s => s.AddSingleton(gate));
        var chatId = await server.StartChatAsync(Alice, "carol");
        using var alice = await server.ConnectAsync(Alice, chatId);
        using var carol = await server.ConnectAsync(Carol, chatId);
        await alice.SendAsync(new { type = "message", text = "read me" });
        var messageId = (long)(await carol.ReceiveAsync("message"))["id"]!;

        // Alice's next message holds the write loop in its batch; Carol's mark queues behind it.
        gate.Close();
        try
        {
            await alice.SendAsync(new { type = "message", text = "held" });
            await gate.Entered;
            await carol.SendAsync(new { type = "read", up_to = messageId });
            await carol.SendAsync(new { type = "typing" });

            // Her typing frame went on while the mark waited (it used to wait for the mark's commit).
            while (await alice.ReceiveAsync() is var frame && (string?)frame["type"] != "typing")
            {
                Assert.NotEqual("read", (string?)frame["type"]);
            }
        }
        finally
        {
            gate.Open(); // A failed run must not leave the write loop held: the server could not stop.
        }

        Assert.Equal(messageId, (long)(await alice.ReceiveAsync("read"))["up_to"]!);
        using var http = server.Client(Carol);
        var listed = (await http.GetFromJsonAsync<JsonArray>("/chat/"))!.Single(c => (long)c!["id"]! == chatId)!;
        Assert.Equal(1, (int)listed["unread"]!); // "held" only: the mark committed after it
    }

    /// <summary>Holds the write loop inside a batch while closed (failure injection: a slow commit).</summary>
    private sealed class WriteLoopGate
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource? _held;

        public Task Entered => _entered.Task;

        public void Close() => Volatile.Write(ref _held, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        public void Open() => Volatile.Read(ref _held)?.TrySetResult();

        public sealed class Participant(WriteLoopGate gate) : IChatChangeParticipant
        {
            public async Task OnCommittingAsync(IReadOnlyList<ChatLogEntry> changes, CancellationToken cancellationToken)
            {
                if (Volatile.Read(ref gate._held) is { } held)
                {
                    gate._entered.TrySetResult();
                    await held.Task;
                }
            }
        }
    }

    [Fact]
    public async Task Presence_CountsTabs_AndAnnouncesOnlyRealTransitions()
    {
        var chatId = await Server.StartChatAsync(Alice, "dave");
        using var alice = await Server.ConnectAsync(Alice, chatId);
        var daveTab1 = await Server.ConnectAsync(Dave, chatId);
        var online = await alice.ReceiveStatusOfAsync("dave");
        var daveTab2 = await Server.ConnectAsync(Dave, chatId);

        await daveTab1.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        daveTab1.Dispose();
        await alice.SendAsync(new { type = "message", text = "are you there?" });
        while (await alice.ReceiveAsync() is var frame && (string?)frame["type"] != "message")
        {
            Assert.False((string?)frame["username"] == "dave" && (bool?)frame["is_online"] == false, "Closing one of two tabs must not show dave offline.");
        }

        Assert.True((bool)(await Server.Client(Alice).GetFromJsonAsync<JsonObject>($"/chat/{chatId}"))!["is_online"]!);

        await daveTab2.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        daveTab2.Dispose();
        var offline = await alice.ReceiveStatusOfAsync("dave");

        Assert.True((bool)online["is_online"]!);
        Assert.False((bool)offline["is_online"]!);
        Assert.NotNull((string?)offline["lastseen"]);
        Snapshot.Match("ws-status", offline);
    }

    [Fact]
    public async Task RemovedMember_IsDisconnected()
    {
        var groupId = await Server.CreateGroupAsync(Alice, "eve");
        using var eve = await Server.ConnectAsync(Eve, groupId);

        using var removed = await Server.Client(Alice).DeleteAsync($"/group/{groupId}/members/eve");

        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.NotEqual(WebSocketCloseStatus.NormalClosure, await eve.WaitForCloseAsync());
    }

    [Fact]
    public async Task FileRelay_ReachesOtherMembersFileSockets_NotTheSender()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        using var aliceFiles = await Server.ConnectAsync(Alice, chatId, path: "file");

        await aliceFiles.SendAsync(FileFrame("note.txt", "hello"u8.ToArray()));
        Assert.Equal("recipient_offline", (string?)(await aliceFiles.ReceiveAsync("error"))["code"]);

        using var bobFiles = await Server.ConnectAsync(Bob, chatId, path: "file");
        await aliceFiles.SendAsync(FileFrame("note.txt", "hello"u8.ToArray()));
        var relayed = await bobFiles.ReceiveAsync("file");

        Assert.Equal("alice", (string?)relayed["sender_username"]);
        Assert.Equal("note.txt", (string?)relayed["file"]!["name"]);
        Assert.Equal("hello"u8.ToArray(), Convert.FromBase64String((string)relayed["file"]!["data"]!));
        Assert.Equal(5, (long)relayed["file"]!["size"]!);
    }

    [Fact]
    public async Task NonMember_CannotOpenAFileSocket()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        Assert.Equal(HttpStatusCode.Forbidden, await UpgradeStatusAsync(chatId, s => s.Options.SetRequestHeader("Authorization", $"Bearer {Server.TokenFor(Eve)}"), path: "file"));
    }

    internal static object FileFrame(string name, byte[] bytes) =>
        new { type = "file", file = new { name, type = "text/plain", size = bytes.Length, data = Convert.ToBase64String(bytes) } };

    private async Task<HttpStatusCode> UpgradeStatusAsync(long chatId, Action<ClientWebSocket> configure, string query = "", string path = "chat")
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        configure(socket);
        try
        {
            await socket.ConnectAsync(Server.WebSocketUri($"/ws/{path}/{chatId}/{query}"), CancellationToken.None);
            return HttpStatusCode.SwitchingProtocols;
        }
        catch (WebSocketException)
        {
            return socket.HttpStatusCode;
        }
    }



}
