using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>Limits that need their own server settings: send rate, file size, slow clients, shutdown.</summary>
public sealed class TransportLimitTests
{
    [Fact]
    public async Task SendingTooFast_GetsRateLimitedErrors_AndTheSocketStaysUsable()
    {
        await using var server = await ChatServer.StartAsync(o =>
        {
            o.SendsPerSecond = 1;
            o.SendBurst = 3;
        });
        var chatId = await server.StartChatAsync(Alice, "bob");
        using var alice = await server.ConnectAsync(Alice, chatId);

        for (var i = 0; i < 10; i++)
        {
            await alice.SendAsync(new { type = "message", text = $"spam {i}" });
        }

        // Each send gets its message or an error; presence frames may come in between.
        var frames = new List<JsonObject>();
        while (frames.Count < 10)
        {
            var frame = await alice.ReceiveAsync();
            if ((string?)frame["type"] is "message" or "error")
            {
                frames.Add(frame);
            }
        }

        Assert.Contains(frames, f => (string?)f["code"] == "rate_limited");
        Assert.InRange(frames.Count(f => (string?)f["type"] == "message"), 3, 9);
        Assert.Equal(WebSocketState.Open, alice.Socket.State);
    }

    [Fact]
    public async Task RestChanges_AreLimitedPerUser_With429AndRetryAfter_ReadsAreNot()
    {
        await using var server = await ChatServer.StartAsync(o =>
        {
            o.RestWriteBurst = 2;
            o.RestWritesPerMinute = 1;
        });
        using var alice = server.Client(Alice);

        var statuses = new List<System.Net.HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var created = await alice.PostAsJsonAsync("/group/", new { name = $"g{i}", members = Array.Empty<string>() });
            statuses.Add(created.StatusCode);
            if (created.StatusCode == System.Net.HttpStatusCode.TooManyRequests)
            {
                Assert.True(created.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
                Assert.Equal("rate_limited", (string?)(await created.Content.ReadFromJsonAsync<JsonObject>())!["code"]);
            }
        }

        Assert.Equal([System.Net.HttpStatusCode.Created, System.Net.HttpStatusCode.Created, System.Net.HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await alice.GetAsync("/group/")).StatusCode);
        // Another user has a bucket of their own.
        using var bob = await server.Client(Bob).PostAsJsonAsync("/group/", new { name = "bob's", members = Array.Empty<string>() });
        Assert.Equal(System.Net.HttpStatusCode.Created, bob.StatusCode);
    }

    /// <summary>Messages sent or changed over REST take from the send bucket, as on the sockets, not from the limit of other REST changes.</summary>
    [Fact]
    public async Task RestMessageWrites_CountAgainstTheSendBucket_NotTheRestWriteLimit()
    {
        await using var server = await ChatServer.StartAsync(o =>
        {
            (o.RestWriteBurst, o.RestWritesPerMinute) = (2, 1);
            (o.SendBurst, o.SendsPerSecond) = (5, 1);
        });
        var chatId = await server.StartChatAsync(Alice, "bob"); // One REST write of the two.
        using var alice = server.Client(Alice);

        var statuses = new List<System.Net.HttpStatusCode>();
        for (var i = 0; i < 15; i++)
        {
            using var sent = await alice.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = $"m{i}" });
            statuses.Add(sent.StatusCode);
        }

        Assert.All(statuses.Take(5), status => Assert.Equal(System.Net.HttpStatusCode.Created, status));
        Assert.Contains(System.Net.HttpStatusCode.TooManyRequests, statuses.Skip(5));
        // The REST write limit still has its second token for other changes.
        using var created = await alice.PostAsJsonAsync("/group/", new { name = "still allowed", members = Array.Empty<string>() });
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
    }

    [Fact]
    public async Task Typing_IsDeliveredAtMostOncePerUserAndChatPerInterval_AcrossSocketsAndTheHub()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServer.StartAsync(time: time);
        var chatId = await server.StartChatAsync(Alice, "bob");
        using var bob = await server.ConnectAsync(Bob, chatId);
        using var aliceTab1 = await server.ConnectAsync(Alice, chatId);
        using var aliceTab2 = await server.ConnectAsync(Alice, chatId);
        await using var aliceHub = await server.ConnectHubAsync(Alice);

        for (var i = 0; i < 10; i++)
        {
            await aliceTab1.SendAsync(new { type = "typing" });
            await aliceTab2.SendAsync(new { type = "typing" });
            await aliceHub.InvokeAsync("Typing", chatId);
        }

        // A message marks the end: everything Alice sent before it has been handled by then.
        await aliceTab1.SendAsync(new { type = "message", text = "marker 1" });
        Assert.Equal(1, await CountTypingUntilAsync(bob, "marker 1"));

        time.Advance(TimeSpan.FromSeconds(3));
        await aliceHub.InvokeAsync("Typing", chatId);
        await aliceTab2.SendAsync(new { type = "typing" });
        await aliceTab2.SendAsync(new { type = "message", text = "marker 2" });
        Assert.Equal(1, await CountTypingUntilAsync(bob, "marker 2"));
    }

    private static async Task<int> CountTypingUntilAsync(ChatSocketClient socket, string marker)
    {
        var typing = 0;
        while (true)
        {
            var frame = await socket.ReceiveAsync();
            if ((string?)frame["type"] == "typing")
            {
                typing++;
            }
            else if ((string?)frame["text"] == marker)
            {
                return typing;
            }
        }
    }

    [Fact]
    public async Task FileOverTheLimit_GetsFileTooLarge_AndTheSocketStaysUsable()
    {
        await using var server = await ChatServer.StartAsync(o => o.MaxFileBytes = 1000);
        var chatId = await server.StartChatAsync(Alice, "bob");
        using var aliceFiles = await server.ConnectAsync(Alice, chatId, path: "file");
        using var bobFiles = await server.ConnectAsync(Bob, chatId, path: "file");

        await aliceFiles.SendAsync(WebSocketTests.FileFrame("big.bin", new byte[1001]));
        Assert.Equal("file_too_large", (string?)(await aliceFiles.ReceiveAsync("error"))["code"]);
        await aliceFiles.SendAsync(WebSocketTests.FileFrame("huge.bin", new byte[50_000]));
        Assert.Equal("file_too_large", (string?)(await aliceFiles.ReceiveAsync("error"))["code"]);

        await aliceFiles.SendAsync(WebSocketTests.FileFrame("small.bin", new byte[1000]));
        Assert.Equal("small.bin", (string?)(await bobFiles.ReceiveAsync("file"))["file"]!["name"]);
    }

    [Fact]
    public async Task StalledClient_DoesNotDelayTheOthers_AndIsDroppedWhenItsQueueOverflows()
    {
        // Room for a committed batch, far less than the messages sent; no send limit in the way of 1,500 sends.
        await using var server = await ChatServer.StartAsync(o => (o.SendQueueCapacity, o.SendsPerSecond, o.SendBurst) = (64, 100_000, 100_000));
        var groupId = await server.CreateGroupAsync(Alice, "bob", "carol");
        // Carol never reads, through a tiny socket receive buffer: her buffers fill up, then her queue.
        using var stalled = await server.ConnectAsync(Carol, groupId, receiveBufferBytes: 4096);
        using var bob = await server.ConnectAsync(Bob, groupId);
        using var alice = await server.ConnectAsync(Alice, groupId);
        _ = alice.DrainAsync();
        var text = new string('z', 3900);

        // Bob reads at his own pace: each round waits until he has it all. Carol never reads.
        const int rounds = 30, perRound = 50;
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < perRound; i++)
            {
                await alice.SendAsync(new { type = "message", text, client_id = $"m{round}-{i}" });
            }

            for (var i = 0; i < perRound; i++)
            {
                Assert.Equal($"m{round}-{i}", (string?)(await bob.ReceiveAsync("message"))["client_id"]);
            }
        }

        Assert.NotEqual(WebSocketCloseStatus.NormalClosure, await stalled.WaitForCloseAsync());
    }

    [Fact]
    public async Task Shutdown_ClosesSocketsAsEndpointUnavailable_AfterDeliveringWhatWasCommitted()
    {
        var server = await ChatServer.StartAsync();
        try
        {
            var chatId = await server.StartChatAsync(Alice, "bob");
            using var alice = await server.ConnectAsync(Alice, chatId);
            await alice.SendAsync(new { type = "message", text = "last words" });
            Assert.Equal("last words", (string?)(await alice.ReceiveAsync("message"))["text"]);

            var stopping = server.StopAsync();
            var status = await alice.WaitForCloseAsync();
            await alice.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            await stopping;

            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }


}
