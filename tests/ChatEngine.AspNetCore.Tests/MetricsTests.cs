using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

public sealed class MetricsTests
{
    [Fact]
    public async Task TheChatEngineMeter_OfThisApp_CountsCommitsDeliveriesConnectionsAndBatches_WithDurationsInSeconds()
    {
        await using var server = await ChatServer.StartAsync();
        // The meter comes from the app's IMeterFactory: this server's, not any other's in the process.
        var ours = server.Services.GetRequiredService<IMeterFactory>();
        var sums = new ConcurrentDictionary<string, double>();
        var counts = new ConcurrentDictionary<string, int>();
        var units = new ConcurrentDictionary<string, string?>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ChatEngineMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, ours))
            {
                units[instrument.Name] = instrument.Unit;
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Record(instrument.Name, value));
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => Record(instrument.Name, value));
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => Record(instrument.Name, value));
        listener.Start();

        var groupId = await server.CreateGroupAsync(Alice, "bob", "carol");
        using (var alice = await server.ConnectAsync(Alice, groupId))
        using (var bob = await server.ConnectAsync(Bob, groupId))
        {
            await alice.SendAsync(new { type = "message", text = "measured" });
            await bob.ReceiveAsync("message");
            await alice.ReceiveAsync("message");
        }

        Assert.Equal(1, sums.GetValueOrDefault("chatengine.messages.committed"));
        Assert.True(sums.GetValueOrDefault("chatengine.deliveries") >= 2); // the message to both sockets, and presence events
        Assert.Equal((1, 1.0), (counts.GetValueOrDefault("chatengine.commit.batch_size"), sums.GetValueOrDefault("chatengine.commit.batch_size")));
        Assert.Equal(1, counts.GetValueOrDefault("chatengine.commit.duration"));
        Assert.Equal("s", units["chatengine.commit.duration"]);
        Assert.InRange(sums.GetValueOrDefault("chatengine.commit.duration"), 0, 10); // seconds, not milliseconds
        Assert.True(counts.GetValueOrDefault("chatengine.connections") >= 2);

        void Record(string name, double value)
        {
            sums.AddOrUpdate(name, value, (_, sum) => sum + value);
            counts.AddOrUpdate(name, 1, (_, count) => count + 1);
        }
    }
}
