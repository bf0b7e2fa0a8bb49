using System.Diagnostics.Metrics;

namespace ChatEngine;

/// <summary>
/// The <c>ChatEngine</c> meter: what operators watch with <c>dotnet-counters monitor --counters ChatEngine</c>
/// or OpenTelemetry (<c>AddMeter("ChatEngine")</c>), with no extra code in the app.
/// </summary>
public static class ChatEngineMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ChatEngine";

    private static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> MessagesCommitted =
        Meter.CreateCounter<long>("chatengine.messages.committed", "{message}", "Messages committed to the store.");

    internal static readonly Counter<long> Deliveries =
        Meter.CreateCounter<long>("chatengine.deliveries", "{delivery}", "Events queued to client connections.");

    internal static readonly UpDownCounter<long> Connections =
        Meter.CreateUpDownCounter<long>("chatengine.connections", "{connection}", "Open client connections, by transport.");

    internal static readonly Counter<long> SendQueueOverflows =
        Meter.CreateCounter<long>("chatengine.send_queue.overflows", "{connection}", "Connections dropped because they could not keep up.");

    internal static readonly Histogram<int> CommitBatchSize =
        Meter.CreateHistogram<int>("chatengine.commit.batch_size", "{message}", "Messages written per group-commit transaction.");

    internal static readonly Histogram<double> CommitDuration =
        Meter.CreateHistogram<double>("chatengine.commit.duration", "ms", "Time to write and commit one batch.");

    internal static readonly Histogram<int> CatchUpSize =
        Meter.CreateHistogram<int>("chatengine.catch_up.messages", "{message}", "Messages replayed to a reconnecting client.");
}
