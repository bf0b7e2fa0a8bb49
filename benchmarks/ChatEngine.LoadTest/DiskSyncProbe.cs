using System.Diagnostics;

namespace ChatEngine.LoadTest;

/// <summary>
/// Times a small synced write to the temporary folder's disk (where the host's SQLite database is)
/// every 10 ms while the load runs. Every commit waits for such a sync before a message is
/// acknowledged, so a disk that stalls a sync for 100 ms stalls every sender with it, and one such
/// stall in a run at 2,000 msg/s is enough to move p99. The probe tells those runs apart from the
/// engine's own tails. It overwrites one block of a file it allocated up front, so it never grows a
/// file; paired runs with and without it showed no slowdown of the host.
/// </summary>
internal sealed class DiskSyncProbe : ProbeThread
{
    private const int BlockSize = 4096;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"chatengine-load-sync-{Guid.NewGuid():N}");

    private DiskSyncProbe()
        : base("Disk sync probe")
    {
    }

    public static DiskSyncProbe Start()
    {
        var probe = new DiskSyncProbe();
        probe.StartThread();
        return probe;
    }

    /// <summary>The syncs that started at or after <paramref name="from"/> (a <see cref="Stopwatch"/> timestamp), once the probe has stopped.</summary>
    public DiskSyncFigures Stop(long from)
    {
        var measured = StopAndTakeFrom(from);
        return new DiskSyncFigures(measured.Length, LoadRun.Percentile(measured, 0.99), LoadRun.Percentile(measured, 1), measured.Count(ms => ms > 10));
    }

    protected override void Run(CancellationToken stop)
    {
        try
        {
            using var file = new FileStream(_path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            var block = new byte[BlockSize];
            file.Write(block);
            file.Flush(flushToDisk: true);
            while (!stop.WaitHandle.WaitOne(Interval))
            {
                block[0]++;
                var started = Stopwatch.GetTimestamp();
                file.Position = 0;
                file.Write(block);
                file.Flush(flushToDisk: true);
                Add(started, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        catch (IOException ex)
        {
            // A figure missing beats a load test that fails over its probe.
            Console.Error.WriteLine($"Disk sync probe stopped: {ex.Message}");
        }
    }
}

/// <summary>How long the disk took to sync over the measured window: count, p99 and max in ms, and how many took over 10 ms.</summary>
internal readonly record struct DiskSyncFigures(int Syncs, double P99Ms, double MaxMs, int Over10Ms);
