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
        WebhooksFailed = meter.CreateCounter<long>("chatengine.webhooks.failed", "{delivery}", "Webhook deliveries given up after every attempt failed (or the receiver answered 410).");
        PushesFailed = meter.CreateCounter<long>("chatengine.push.failed", "{delivery}", "Pushes given up: refused by the push service or the host's sender, or failed every attempt.");

        // Cumulative, like process.cpu.time: its rate is the fraction of time the write loop is busy,
        // which says how close a host is to the single writer's ceiling.
        meter.CreateObservableCounter("chatengine.commit.busy_time", () => CommitBusyTime.TotalSeconds, "s", "Time the group-commit write loop spent writing batches.");
    }

    private long _commitBusyTicks;

    /// <summary>The time the write loop has spent writing batches since start.</summary>
    public TimeSpan CommitBusyTime => TimeSpan.FromTicks(Interlocked.Read(ref _commitBusyTicks));

    private Counter<long> MessagesCommitted { get; }

    private Counter<long> Deliveries { get; }

    private UpDownCounter<long> Connections { get; }

    private Counter<long> SendQueueOverflows { get; }

    private Histogram<int> CommitBatchSize { get; }

    private Histogram<double> CommitDuration { get; }

    private Histogram<int> CatchUpSize { get; }

    private Counter<long> WebhooksFailed { get; }

    private Counter<long> PushesFailed { get; }

    /// <summary>A webhook delivery was given up.</summary>
    public void WebhookFailed() => WebhooksFailed.Add(1);

    /// <summary>A push to one device was given up.</summary>
    public void PushFailed() => PushesFailed.Add(1);

    /// <summary>A message was committed to the store.</summary>
    public void MessageCommitted() => MessagesCommitted.Add(1);

    /// <summary>Events were queued to <paramref name="count"/> client connections.</summary>
    public void Delivered(int count) => Deliveries.Add(count);

    /// <summary>A client connection of <paramref name="transport"/> (websocket, signalr, file...) opened.</summary>
    public void ConnectionOpened(string transport) => Connections.Add(1, new KeyValuePair<string, object?>("transport", transport));

    /// <summary>A client connection of <paramref name="transport"/> closed.</summary>
    public void ConnectionClosed(string transport) => Connections.Add(-1, new KeyValuePair<string, object?>("transport", transport));

    /// <summary>A connection was dropped for not keeping up with its events.</summary>
    public void SendQueueOverflowed() => SendQueueOverflows.Add(1);

    /// <summary>A group-commit transaction wrote <paramref name="batchSize"/> messages in <paramref name="duration"/>.</summary>
    public void BatchCommitted(int batchSize, TimeSpan duration)
    {
        CommitBatchSize.Record(batchSize);
        CommitDuration.Record(duration.TotalSeconds);
        Interlocked.Add(ref _commitBusyTicks, duration.Ticks);
    }

    /// <summary>A reconnecting client was sent <paramref name="messages"/> messages it missed.</summary>
    public void CaughtUp(int messages) => CatchUpSize.Record(messages);
}
