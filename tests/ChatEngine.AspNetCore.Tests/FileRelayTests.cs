using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>The file relay under load and abuse: memory comes back, sockets are capped, a stalled recipient is dropped.</summary>
[Collection(MeasuresMemory.Name)]
public sealed class FileRelayTests
{
    [Fact]
    public async Task EightConcurrentMaximalFiles_LeaveManagedMemoryWhereItWasAfterAGC()
    {
        await using var server = await ChatServer.StartAsync();
        var limit = 10 * 1000 * 1000;
        var payload = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(WebSocketTests.FileFrame("max.bin", new byte[limit])));
        var withBob = await server.StartChatAsync(Alice, "bob");
        var withCarol = await server.StartChatAsync(Alice, "carol");
        var withDave = await server.StartChatAsync(Alice, "dave");
        var bobWithCarol = await server.StartChatAsync(Bob, "carol");
        var alone = await server.StartChatAsync(Alice, "eve");

        // Warm up (JIT, pools, connections), then measure.
        using (var bobFiles = await server.ConnectAsync(Bob, withBob, path: "file"))
        using (var aliceFiles = await server.ConnectAsync(Alice, withBob, path: "file"))
        {
            await SendInPiecesAsync(aliceFiles.Socket, payload);
            Assert.True(CarriedWholeFile(await ReceiveLengthOfDataAsync(bobFiles.Socket), limit));
        }

        var before = SettledManagedMemory();

        // Four files with someone to receive them, each in a chat of its own (a relay reaches every
        // other file socket of its chat), and four for nobody, read and dropped.
        var recipients = new List<ChatSocketClient>();
        var sends = new List<Task<long>>();
        foreach (var (chatId, sender, recipient) in new[] { (withBob, Alice, Bob), (withCarol, Alice, Carol), (withDave, Alice, Dave), (bobWithCarol, Bob, Carol) })
        {
            var receiver = await server.ConnectAsync(recipient, chatId, path: "file");
            recipients.Add(receiver);
            sends.Add(SendAndDeliverAsync(server, sender, chatId, payload, receiver));
        }

        for (var i = 0; i < 4; i++)
        {
            sends.Add(SendToNobodyAsync(server, alone, payload));
        }

        var results = await Task.WhenAll(sends);
        recipients.ForEach(r => r.Dispose());

        Assert.All(results.Take(4), length => Assert.True(CarriedWholeFile(length, limit)));
        Assert.All(results.Skip(4), length => Assert.Equal(-1, length));
        var after = SettledManagedMemory();
        GC.KeepAlive(payload);
        Assert.True(after - before < 40 * 1024 * 1024, $"Managed memory grew by {(after - before) / 1024 / 1024} MiB relaying 8 files of {limit / 1000 / 1000} MB.");
    }

    [Fact]
    public async Task FileSocketsPerUser_AreCapped_AndAClosedOneFreesItsPlace()
    {
        await using var server = await ChatServer.StartAsync(o => o.MaxFileSocketsPerUser = 2);
        var chatId = await server.StartChatAsync(Alice, "bob");
        var first = await server.ConnectAsync(Alice, chatId, path: "file");
        using var second = await server.ConnectAsync(Alice, chatId, path: "file");

        using var third = new ClientWebSocket { Options = { CollectHttpResponseDetails = true } };
        third.Options.SetRequestHeader("Authorization", $"Bearer {server.TokenFor(Alice)}");
        await Assert.ThrowsAsync<WebSocketException>(() => third.ConnectAsync(server.WebSocketUri($"/ws/file/{chatId}/"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.TooManyRequests, third.HttpStatusCode);

        // Bob's sockets count for Bob.
        using var bobs = await server.ConnectAsync(Bob, chatId, path: "file");

        await first.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        first.Dispose();
        using var again = await ConnectWhenFreedAsync(server, chatId);
        Assert.Equal(WebSocketState.Open, again.State);
    }

    [Fact]
    public async Task ARecipientThatStopsReading_IsDroppedAfterTheSendTimeout_AndTheSenderCarriesOn()
    {
        var time = new TimersWatched(DateTimeOffset.UtcNow);
        await using var server = await ChatServer.StartAsync(o => o.FileSendTimeout = TimeSpan.FromSeconds(30), time: time);
        var chatId = await server.StartChatAsync(Alice, "bob");
        using var stalled = await server.ConnectAsync(Bob, chatId, path: "file", receiveBufferBytes: 4096);
        using var aliceFiles = await server.ConnectAsync(Alice, chatId, path: "file");

        // Far more than the kernel and Kestrel buffer between them, so the relay must wait for Bob to read.
        await aliceFiles.SendAsync(WebSocketTests.FileFrame("big.bin", new byte[9_000_000]));
        await time.TimerStartedAsync(TimeSpan.FromSeconds(30)); // the relay's deadline for Bob
        time.Advance(TimeSpan.FromSeconds(31));

        Assert.Equal("recipient_offline", (string?)(await aliceFiles.ReceiveAsync("error"))["code"]);
        // Bob's socket was dropped; Alice's goes on.
        await aliceFiles.SendAsync(WebSocketTests.FileFrame("next.txt", "hello"u8.ToArray()));
        Assert.Equal("recipient_offline", (string?)(await aliceFiles.ReceiveAsync("error"))["code"]);
    }

    private static async Task<long> SendAndDeliverAsync(ChatServer server, long senderId, long chatId, byte[] payload, ChatSocketClient receiver)
    {
        using var sender = await server.ConnectAsync(senderId, chatId, path: "file");
        var received = ReceiveLengthOfDataAsync(receiver.Socket);
        await SendInPiecesAsync(sender.Socket, payload);
        return await received;
    }

    private static async Task<long> SendToNobodyAsync(ChatServer server, long chatId, byte[] payload)
    {
        using var sender = await server.ConnectAsync(Alice, chatId, path: "file");
        await SendInPiecesAsync(sender.Socket, payload);
        return (string?)(await sender.ReceiveAsync("error"))["code"] == "recipient_offline" ? -1 : 0;
    }

    /// <summary>
    /// Sends one message in 64 KiB pieces, as a browser does: the client masks what it sends in a
    /// pooled copy, which for a whole 13 MB frame would be the test's own memory, not the server's.
    /// </summary>
    private static async Task SendInPiecesAsync(ClientWebSocket socket, byte[] message)
    {
        const int Piece = 64 * 1024;
        for (var offset = 0; offset < message.Length; offset += Piece)
        {
            var length = Math.Min(Piece, message.Length - offset);
            await socket.SendAsync(message.AsMemory(offset, length), WebSocketMessageType.Text, offset + length == message.Length, CancellationToken.None);
        }
    }

    /// <summary>Reads a relayed file frame as it streams in, keeping only the length of its base64 data.</summary>
    private static async Task<long> ReceiveLengthOfDataAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), timeout.Token);
            total += result.Count;
            if (result.EndOfMessage)
            {
                return total;
            }
        }
    }

    /// <summary>Whether a relayed frame of this length carried the whole file: its base64 plus an envelope of a few hundred bytes.</summary>
    private static bool CarriedWholeFile(long frameLength, int fileBytes)
    {
        var base64 = (fileBytes + 2) / 3 * 4L;
        return frameLength > base64 && frameLength < base64 + 1000;
    }

    private static long SettledManagedMemory()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task<ClientWebSocket> ConnectWhenFreedAsync(ChatServer server, long chatId)
    {
        // The server frees the place when it sees the close, just after the client does.
        for (var attempt = 0; ; attempt++)
        {
            var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("Authorization", $"Bearer {server.TokenFor(Alice)}");
            try
            {
                await socket.ConnectAsync(server.WebSocketUri($"/ws/file/{chatId}/"), CancellationToken.None);
                return socket;
            }
            catch (WebSocketException) when (attempt < 50)
            {
                socket.Dispose();
                await Task.Delay(20);
            }
        }
    }
}

/// <summary>A fake clock that says when a timer starts, so a test advances it only once the timer it means exists.</summary>
public sealed class TimersWatched(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Channel<TimeSpan> _started = Channel.CreateUnbounded<TimeSpan>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _started.Writer.TryWrite(dueTime);
        return timer;
    }

    public async Task TimerStartedAsync(TimeSpan dueTime)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await _started.Reader.ReadAsync(timeout.Token) != dueTime)
        {
        }
    }
}

/// <summary>Tests that measure the process's memory run alone, so other tests' allocations do not count.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuresMemory
{
    public const string Name = "Measures memory";
}
