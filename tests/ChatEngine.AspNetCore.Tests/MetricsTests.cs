using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

public sealed class MetricsTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    [Fact]
    public async Task TheChatEngineMeter_CountsCommitsDeliveriesConnectionsAndBatches()
    {
        var measured = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ChatEngineMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => measured.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value));
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => measured.AddOrUpdate(instrument.Name, 1, (_, count) => count + 1));
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => measured.AddOrUpdate(instrument.Name, 1, (_, count) => count + 1));
        listener.Start();

        var groupId = await fixture.Server.CreateGroupAsync(Alice, "bob", "carol");
        using (var alice = await fixture.Server.ConnectAsync(Alice, groupId))
        using (var bob = await fixture.Server.ConnectAsync(Bob, groupId))
        {
            await alice.SendAsync(new { type = "message", text = "measured" });
            await bob.ReceiveAsync("message");
            await alice.ReceiveAsync("message");
        }

        // Other tests share the process-wide meter, so these are lower bounds.
        Assert.True(measured.GetValueOrDefault("chatengine.messages.committed") >= 1);
        Assert.True(measured.GetValueOrDefault("chatengine.deliveries") >= 2);
        Assert.True(measured.GetValueOrDefault("chatengine.commit.batch_size") >= 1);
        Assert.True(measured.GetValueOrDefault("chatengine.commit.duration") >= 1);
        Assert.True(measured.ContainsKey("chatengine.connections"));
    }
}
