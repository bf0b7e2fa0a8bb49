using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>
/// The same scenarios against every live transport: what a client does and sees must not depend on
/// whether it speaks raw WebSockets or SignalR.
/// </summary>
public abstract class TransportScenarioTests
{
    /// <summary>Connects <paramref name="userId"/> to chat <paramref name="chatId"/> over the transport under test.</summary>
    protected abstract Task<IChatClient> ConnectAsync(ChatServer server, long userId, long chatId);

    [Fact]
    public async Task AMessage_ReachesEveryMember_SenderIncluded()
    {
        await using var server = await ChatServer.StartAsync();
        var chatId = await server.StartChatAsync(Alice, "bob");
        await using var alice = await ConnectAsync(server, Alice, chatId);
        await using var bob = await ConnectAsync(server, Bob, chatId);

        await alice.SendAsync("  hello  ", "c-1");

        foreach (var client in new[] { alice, bob })
        {
            var message = await client.NextAsync("message");
            Assert.Equal(("hello", "alice", chatId, "c-1"), ((string?)message["text"], (string?)message["sender_username"], (long)message["chat_id"]!, (string?)message["client_id"]));
        }
    }

    [Fact]
    public async Task BadText_GetsAnError_AndTheConnectionGoesOn()
    {
        await using var server = await ChatServer.StartAsync();
        var chatId = await server.StartChatAsync(Alice, "bob");
        await using var alice = await ConnectAsync(server, Alice, chatId);

        await alice.SendAsync("nul \0 inside");
        Assert.Equal(ChatErrorCodes.InvalidText, (string?)(await alice.NextAsync("error"))["code"]);
        await alice.SendAsync("   ");
        Assert.Equal(ChatErrorCodes.EmptyText, (string?)(await alice.NextAsync("error"))["code"]);

        await alice.SendAsync("still here");
        Assert.Equal("still here", (string?)(await alice.NextAsync("message"))["text"]);
    }

    [Fact]
    public async Task SendingTooFast_IsLimitedPerUser()
    {
        await using var server = await ChatServer.StartAsync(o =>
        {
            o.SendsPerSecond = 1;
            o.SendBurst = 3;
        });
        var chatId = await server.StartChatAsync(Alice, "bob");
        await using var alice = await ConnectAsync(server, Alice, chatId);

        for (var i = 0; i < 8; i++)
        {
            await alice.SendAsync($"spam {i}");
        }

        var frames = new List<JsonObject>();
        for (var i = 0; i < 8; i++)
        {
            frames.Add(await alice.NextAsync("message", "error"));
        }

        Assert.Contains(frames, f => (string?)f["code"] == ChatErrorCodes.RateLimited);
        Assert.InRange(frames.Count(f => (string?)f["type"] == "message"), 3, 7);
    }

    [Fact]
    public async Task Typing_ReachesTheOthers_AtMostOncePerInterval()
    {
        await using var server = await ChatServer.StartAsync();
        var chatId = await server.StartChatAsync(Alice, "bob");
        await using var alice = await ConnectAsync(server, Alice, chatId);
        await using var bob = await ConnectAsync(server, Bob, chatId);

        for (var i = 0; i < 5; i++)
        {
            await alice.TypingAsync();
        }

        await alice.SendAsync("marker");
        var typing = 0;
        for (var frame = await bob.NextAsync("typing", "message"); (string?)frame["type"] == "typing"; frame = await bob.NextAsync("typing", "message"))
        {
            Assert.Equal("alice", (string?)frame["username"]);
            typing++;
        }

        Assert.Equal(1, typing);
    }

    [Fact]
    public async Task Reading_IsSeenByTheSender()
    {
        await using var server = await ChatServer.StartAsync();
        var chatId = await server.StartChatAsync(Alice, "bob");
        await using var alice = await ConnectAsync(server, Alice, chatId);
        await using var bob = await ConnectAsync(server, Bob, chatId);

        await alice.SendAsync("read me");
        var message = await bob.NextAsync("message");
        await bob.ReadAsync((long)message["id"]!);

        var read = await alice.NextAsync("read");
        Assert.Equal(("bob", (long)message["id"]!), ((string?)read["username"], (long)read["up_to"]!));
    }

    [Fact]
    public async Task ARepeatedClientId_IsStoredOnce()
    {
        await using var server = await ChatServer.StartAsync();
        var chatId = await server.StartChatAsync(Alice, "bob");
        await using var alice = await ConnectAsync(server, Alice, chatId);

        // The acknowledgement: the hub's answer to the call, the socket's message frame.
        var first = await alice.SendAsync("once", "same-id") ?? await alice.NextAsync("message");
        var again = await alice.SendAsync("once", "same-id") ?? await alice.NextAsync("message");

        Assert.Equal((long)first["id"]!, (long)again["id"]!);
        var history = await server.Client(Alice).GetFromJsonAsync<JsonObject>($"/chat/{chatId}");
        Assert.Single(history!["messages"]!.AsArray());
    }

    /// <summary>A chat client as a scenario sees it: it sends, types and reads, and receives events, errors included.</summary>
    public interface IChatClient : IAsyncDisposable
    {
        /// <summary>Sends; returns the acknowledgement when the transport answers the call itself (the hub), else null.</summary>
        Task<JsonObject?> SendAsync(string text, string? clientId = null);

        Task TypingAsync();

        Task ReadAsync(long upTo);

        /// <summary>The next event of one of the given types (message, read, typing, status, error), skipping others.</summary>
        Task<JsonObject> NextAsync(params string[] types);
    }
}

public sealed class WebSocketScenarioTests : TransportScenarioTests
{
    protected override async Task<IChatClient> ConnectAsync(ChatServer server, long userId, long chatId) =>
        new SocketClient(await server.ConnectAsync(userId, chatId));

    private sealed class SocketClient(ChatSocketClient socket) : IChatClient
    {
        public async Task<JsonObject?> SendAsync(string text, string? clientId = null)
        {
            await socket.SendAsync(new { type = "message", text, client_id = clientId });
            return null;
        }

        public Task TypingAsync() => socket.SendAsync(new { type = "typing" });

        public Task ReadAsync(long upTo) => socket.SendAsync(new { type = "read", up_to = upTo });

        public async Task<JsonObject> NextAsync(params string[] types)
        {
            while (true)
            {
                var frame = await socket.ReceiveAsync();
                if (types.Contains((string?)frame["type"]))
                {
                    return frame;
                }
            }
        }

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

public sealed class SignalRScenarioTests : TransportScenarioTests
{
    protected override async Task<IChatClient> ConnectAsync(ChatServer server, long userId, long chatId)
    {
        var hub = await server.ConnectHubAsync(userId);
        var client = new HubClient(hub, chatId);
        await hub.InvokeAsync<List<JsonElement>>("JoinChat", chatId, null);
        return client;
    }

    /// <summary>Hub events arrive as calls, refusals as hub errors: both are turned into the socket's event shapes.</summary>
    private sealed class HubClient : IChatClient
    {
        private readonly HubConnection _hub;
        private readonly long _chatId;
        private readonly Channel<JsonObject> _events = Channel.CreateUnbounded<JsonObject>();

        public HubClient(HubConnection hub, long chatId)
        {
            (_hub, _chatId) = (hub, chatId);
            foreach (var type in new[] { "message", "read", "typing", "status" })
            {
                hub.On<JsonElement>(type, e => _events.Writer.TryWrite(JsonNode.Parse(e.GetRawText())!.AsObject()));
            }
        }

        public async Task<JsonObject?> SendAsync(string text, string? clientId = null)
        {
            var sent = await Refusals(() => _hub.InvokeAsync<JsonElement>("SendMessage", _chatId, text, clientId));
            return sent.ValueKind == JsonValueKind.Object ? JsonNode.Parse(sent.GetRawText())!.AsObject() : null;
        }

        public Task TypingAsync() => Refusals(() => _hub.InvokeAsync<object?>("Typing", _chatId));

        public Task ReadAsync(long upTo) => Refusals(() => _hub.InvokeAsync<object?>("MarkRead", _chatId, upTo));

        public async Task<JsonObject> NextAsync(params string[] types)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (true)
            {
                var frame = await _events.Reader.ReadAsync(timeout.Token);
                if (types.Contains((string?)frame["type"]))
                {
                    return frame;
                }
            }
        }

        public ValueTask DisposeAsync() => _hub.DisposeAsync();

        // A refused call's message ends in "HubException: {code}: {detail}"; it becomes an error event.
        private async Task<T?> Refusals<T>(Func<Task<T>> call)
        {
            try
            {
                return await call();
            }
            catch (HubException error)
            {
                var coded = error.Message[(error.Message.LastIndexOf("HubException: ", StringComparison.Ordinal) + "HubException: ".Length)..];
                var colon = coded.IndexOf(':', StringComparison.Ordinal);
                _events.Writer.TryWrite(new JsonObject { ["type"] = "error", ["code"] = coded[..colon], ["detail"] = coded[(colon + 2)..] });
                return default;
            }
        }
    }
}
