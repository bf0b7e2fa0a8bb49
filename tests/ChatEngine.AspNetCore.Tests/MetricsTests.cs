using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

public sealed class MetricsTests
{
    [Fact]
    public async Task TheChatEngineMeter_OfThisApp_CountsCommitsDeliveriesConnectionsAndBatches_WithDurationsInSeconds()
    {
        await using var server = await ChatServer.StartAsync();
        using var meter = new ChatMeterRecorder(server);

        var groupId = await server.CreateGroupAsync(Alice, "bob", "carol");
        using (var alice = await server.ConnectAsync(Alice, groupId))
        using (var bob = await server.ConnectAsync(Bob, groupId))
        {
            await alice.SendAsync(new { type = "message", text = "measured" });
            await bob.ReceiveAsync("message");
            await alice.ReceiveAsync("message");
        }

        Assert.Equal(1, meter.Sum("chatengine.messages.committed"));
        Assert.True(meter.Sum("chatengine.deliveries") >= 2); // the message to both sockets, and presence events
        Assert.Equal((1, 1.0), (meter.Count("chatengine.commit.batch_size"), meter.Sum("chatengine.commit.batch_size")));
        Assert.Equal(1, meter.Count("chatengine.commit.duration"));
        Assert.Equal("s", meter.Unit("chatengine.commit.duration"));
        Assert.InRange(meter.Sum("chatengine.commit.duration"), 0, 10); // seconds, not milliseconds
        Assert.True(meter.Count("chatengine.connections") >= 2);
    }
}
