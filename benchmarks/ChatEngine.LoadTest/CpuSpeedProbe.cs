using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ChatEngine.LoadTest;

/// <summary>
/// Times a fixed unit of arithmetic every 100 ms in the thread's own CPU time while the load runs.
/// On a shared virtual machine the same code can run at times almost twice as slowly (idle, a
/// one-thread loop here took 0.45 s or 0.80 s, from one minute to the next), and a run in such a
/// minute would be slower whatever the engine does. CPU time leaves out the waits
/// for a core that the load itself causes, so the probe sees the machine's speed, not the run's
/// contention. About 1% of one core. Linux only (the thread's CPU clock); elsewhere it reports nothing.
/// </summary>
internal sealed partial class CpuSpeedProbe : ProbeThread
{
    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID
    private const int UnitIterations = 400_000;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private ulong _sink;

    private CpuSpeedProbe()
        : base("CPU speed probe")
    {
    }

    public static CpuSpeedProbe? TryStart()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var probe = new CpuSpeedProbe();
        probe.StartThread();
        return probe;
    }

    /// <summary>The units that started at or after <paramref name="from"/> (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), once the probe has stopped.</summary>
    public CpuSpeedFigures Stop(long from)
    {
        var measured = StopAndTakeFrom(from);
        return new CpuSpeedFigures(measured.Length, LoadRun.Percentile(measured, 0.1), LoadRun.Percentile(measured, 0.5), LoadRun.Percentile(measured, 0.9));
    }

    protected override void Run(CancellationToken stop)
    {
        try
        {
            while (!stop.WaitHandle.WaitOne(Interval))
            {
                var at = System.Diagnostics.Stopwatch.GetTimestamp();
                var started = ThreadCpuNanoseconds();
                _sink += Unit(_sink | 1);
                Add(at, (ThreadCpuNanoseconds() - started) / 1e6);
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException)
        {
            // A figure missing beats a load test that fails over its probe.
            Console.Error.WriteLine($"CPU speed probe stopped: {ex.Message}");
        }
    }

    /// <summary>A dependent chain of xorshift steps: plain integer work that no compiler can skip or spread over cores.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static ulong Unit(ulong state)
    {
        for (var i = 0; i < UnitIterations; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
        }

        return state;
    }

    private static long ThreadCpuNanoseconds()
    {
        if (ClockGetTime(ClockThreadCpuTime, out var time) != 0)
        {
            throw new InvalidOperationException($"clock_gettime failed ({Marshal.GetLastPInvokeError()}).");
        }

        return (time.Seconds * 1_000_000_000) + time.Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}

/// <summary>
/// The probe's unit over the measured window: samples, and its CPU time at the 10th, 50th and 90th
/// percentiles in ms. Not the fastest: on this machine's virtual clock a few units read as under half
/// of any idle one.
/// </summary>
internal readonly record struct CpuSpeedFigures(int Samples, double P10Ms, double P50Ms, double P90Ms);
