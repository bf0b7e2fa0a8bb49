using System.Globalization;
using System.Text;

namespace ChatEngine.LoadTest;

/// <summary>The figures of one run, printed as a table and written as JSON.</summary>
internal sealed record LoadResult
{
    public string Mode { get; init; } = "";
    public string? Database { get; init; }
    public int Groups { get; init; }
    public int Members { get; init; }
    public int Connections { get; init; }
    public int Hosts { get; init; } = 1;
    public double OfferedRate { get; init; }
    public int Window { get; init; }
    public double Seconds { get; init; }
    public double WarmupSeconds { get; init; }
    public long AcceptedMessages { get; init; }
    public double AcceptedPerSecond { get; init; }
    public long Deliveries { get; init; }
    public double DeliveriesPerSecond { get; init; }
    public double LatencyP50Ms { get; init; }
    public double LatencyP95Ms { get; init; }
    public double LatencyP99Ms { get; init; }
    public double LatencyMaxMs { get; init; }
    public long Errors { get; init; }
    public string ErrorCodes { get; init; } = "";
    public long LostDeliveries { get; init; }
    public long DuplicateDeliveries { get; init; }
    public long MissingFromStore { get; init; }
    public long DuplicatedInStore { get; init; }
    public bool UserStreams { get; init; }
    public double ReadEveryMs { get; init; }
    public double ReadMarksPerSecond { get; init; }
    public long StreamDeliveries { get; init; }
    public double StreamDeliveriesPerSecond { get; init; }
    public double? ServerCpuSeconds { get; init; }
    public double? ServerPeakMemoryMiB { get; init; }

    /// <summary>Server CPU (all hosts) over the measured window, per accepted message.</summary>
    public double? ServerCpuMicrosecondsPerMessage { get; init; }

    /// <summary>The fraction of the measured window the write loop spent writing (the mean over hosts).</summary>
    public double? WriteLoopBusyFraction { get; init; }

    /// <summary>
    /// The fractions of the measured window the write loop's thread ran on a core and waited for one
    /// (the mean over hosts): a loop that is busy but waiting is held back by the machine's cores.
    /// </summary>
    public double? WriteLoopOnCpuFraction { get; init; }

    /// <inheritdoc cref="WriteLoopOnCpuFraction"/>
    public double? WriteLoopWaitingFraction { get; init; }

    /// <summary>Messages per group-commit transaction over the measured window (all hosts).</summary>
    public double? MeanBatchSize { get; init; }

    /// <summary>A small synced write's time on the database's disk over the measured window (<see cref="DiskSyncProbe"/>).</summary>
    public DiskSyncFigures? DiskSync { get; init; }

    /// <summary>How long a fixed unit of work took in CPU time over the measured window (<see cref="CpuSpeedProbe"/>): the machine's own speed.</summary>
    public CpuSpeedFigures? CpuSpeed { get; init; }

    /// <summary>The servers' runtime pauses over the measured window (<see cref="RuntimePauseWatch"/>).</summary>
    public RuntimePauseFigures? ServerPauses { get; init; }

    /// <summary>The load generator's own garbage collections over the measured window, and how long they paused it.</summary>
    public int GeneratorCollections { get; init; }

    /// <summary>Milliseconds the load generator's own collections paused it over the measured window.</summary>
    public double GeneratorGcPauseMs { get; init; }

    /// <summary>Nothing acknowledged was lost or repeated, in delivery or in the store.</summary>
    public bool Correct => LostDeliveries == 0 && DuplicateDeliveries == 0 && MissingFromStore == 0 && DuplicatedInStore == 0;

    public string ToTable()
    {
        var rows = new (string Name, string Value)[]
        {
            ("mode", Mode + (Database is null ? "" : $" ({Database})") + (Hosts > 1 ? $", {Hosts} hosts sharing Redis" : "")),
            ("groups x members", $"{Groups} x {Members} = {Connections} connections"),
            ("measured", $"{Seconds} s" + (WarmupSeconds > 0 ? $" after {WarmupSeconds} s of warm-up" : "")),
            ("offered", OfferedRate > 0 ? $"{OfferedRate:N0} msg/s" : $"as fast as possible (window {Window} per connection)"),
            ("accepted", $"{AcceptedMessages:N0} messages, {AcceptedPerSecond:N0} msg/s"),
            ("deliveries", $"{Deliveries:N0}, {DeliveriesPerSecond:N0} /s" + (UserStreams ? $" on chat sockets; {StreamDeliveries:N0}, {StreamDeliveriesPerSecond:N0} /s on user streams" : "")),
            ("latency p50/p95/p99/max", $"{LatencyP50Ms} / {LatencyP95Ms} / {LatencyP99Ms} / {LatencyMaxMs} ms"),
            ("read marks", ReadEveryMs > 0 ? $"{ReadMarksPerSecond:N0} /s (each member at most once per {ReadEveryMs} ms)" : "none"),
            ("errors", Errors == 0 ? "0" : $"{Errors} ({ErrorCodes})"),
            ("lost / duplicate deliveries", $"{LostDeliveries} / {DuplicateDeliveries}"),
            ("missing / duplicated in store", $"{MissingFromStore} / {DuplicatedInStore}"),
            ("server CPU" + (Hosts > 1 ? " (all hosts)" : ""), ServerCpuSeconds is { } cpu ? $"{cpu} s" + (ServerCpuMicrosecondsPerMessage is { } perMessage ? $", {perMessage} µs per message" : "") : "n/a"),
            ("write loop busy", WriteLoopBusyFraction is { } busy ? $"{busy:P0} of the time" + (Hosts > 1 ? " (mean over hosts)" : "") + (MeanBatchSize is { } batch ? $", {batch} messages per batch" : "") : "n/a"),
            ("write loop thread", WriteLoopOnCpuFraction is { } onCpu && WriteLoopWaitingFraction is { } waiting ? $"on a core {onCpu:P0} of the time, waiting for one {waiting:P0}" + (Hosts > 1 ? " (mean over hosts)" : "") : "n/a"),
            ("disk sync p99/max (probe)", DiskSync is { Syncs: > 0 } sync ? $"{sync.P99Ms} / {sync.MaxMs} ms, {sync.Over10Ms} of {sync.Syncs} over 10 ms" : "n/a"),
            ("CPU probe p10/p50/p90", CpuSpeed is { Samples: > 0 } speed ? $"{speed.P10Ms} / {speed.P50Ms} / {speed.P90Ms} ms of CPU for a fixed unit, {speed.Samples} samples" : "n/a"),
            ("server GC" + (Hosts > 1 ? " (all hosts)" : ""), ServerPauses is { } gc
                ? $"{gc.Gen0}/{gc.Gen1}/{gc.Gen2} collections (gen0/1/2), {gc.CollectionPausesMs} ms paused, longest {gc.LongestCollectionPauseMs} ms" + (gc.LongestCollectionPause.Length > 0 ? $" ({gc.LongestCollectionPause})" : "")
                : "n/a"),
            ("other runtime suspensions", ServerPauses is { } other
                ? $"{other.OtherSuspensions}, {other.OtherSuspensionsMs} ms, longest {other.LongestOtherSuspensionMs} ms"
                : "n/a"),
            ("server peak memory" + (Hosts > 1 ? " (all hosts)" : ""), ServerPeakMemoryMiB is { } memory ? $"{memory} MiB" : "n/a"),
            ("load generator's GC", $"{GeneratorCollections} collections, {GeneratorGcPauseMs} ms paused"),
            ("verdict", Correct ? "OK: nothing lost, nothing repeated" : "FAILED: messages lost or repeated"),
        };
        var width = rows.Max(r => r.Name.Length);
        var table = new StringBuilder();
        foreach (var (name, value) in rows)
        {
            table.Append(CultureInfo.InvariantCulture, $"  {name.PadRight(width)}  {value}\n");
        }

        return table.ToString();
    }
}
