using System.Diagnostics.Metrics;

namespace ChatEngine;

/// <summary>
/// The <c>ChatEngine</c> meter: what operators watch with <c>dotnet-counters monitor --counters ChatEngine</c>
/// or OpenTelemetry (<c>AddMeter("ChatEngine")</c>), with no extra code in the app. Made from the
/// app's <see cref="IMeterFactory"/>, as ASP.NET Core's own meters are, so each app (and each test
/// host) has a meter of its own; durations are in seconds, as OpenTelemetry's conventions have them.
/// </summary>
public sealed class ChatEngineMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ChatEngine";

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>, or on a meter of its own without one.</summary>
    public ChatEngineMetrics(IMeterFactory? meterFactory = null)
    {
        var meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        MessagesCommitted = meter.CreateCounter<long>("chatengine.messages.committed", "{message}", "Messages committed to the store.");
        Deliveries = meter.CreateCounter<long>("chatengine.deliveries", "{delivery}", "Events queued to client connections.");
        Connections = meter.CreateUpDownCounter<long>("chatengine.connections", "{connection}", "Open client connections, by transport.");
        SendQueueOverflows = meter.CreateCounter<long>("chatengine.send_queue.overflows", "{connection}", "Connections dropped because they could not keep up.");
        CommitBatchSize = meter.CreateHistogram<int>("chatengine.commit.batch_size", "{message}", "Messages written per group-commit transaction.");
        CommitDuration = meter.CreateHistogram<double>("chatengine.commit.duration", "s", "Time to write and commit one batch.");
        CatchUpSize = meter.CreateHistogram<int>("chatengine.catch_up.messages", "{message}", "Messages replayed to a reconnecting client.");
    }

    internal Counter<long> MessagesCommitted { get; }

    internal Counter<long> Deliveries { get; }

    internal UpDownCounter<long> Connections { get; }

    internal Counter<long> SendQueueOverflows { get; }

    internal Histogram<int> CommitBatchSize { get; }

    internal Histogram<double> CommitDuration { get; }

    internal Histogram<int> CatchUpSize { get; }

    internal void Connected(string transport, int change) =>
        Connections.Add(change, new KeyValuePair<string, object?>("transport", transport));
}
