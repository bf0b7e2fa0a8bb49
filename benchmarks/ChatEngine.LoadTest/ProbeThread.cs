namespace ChatEngine.LoadTest;

/// <summary>
/// A probe's own background thread, taking timed samples while the load runs. Stopping it returns the
/// samples of the measured window, sorted, for the probe to turn into its figures.
/// </summary>
internal abstract class ProbeThread : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(long At, double Ms)> _samples = [];
    private readonly Thread _thread;

    protected ProbeThread(string name)
    {
        _thread = new Thread(() => Run(_stop.Token)) { IsBackground = true, Name = name };
    }

    public void Dispose()
    {
        if (!_stop.IsCancellationRequested)
        {
            StopThread();
        }

        _stop.Dispose();
    }

    protected void StartThread() => _thread.Start();

    /// <summary>Takes samples until <paramref name="stop"/> is cancelled.</summary>
    protected abstract void Run(CancellationToken stop);

    /// <summary>Records one sample that started at <paramref name="at"/> (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    protected void Add(long at, double ms) => _samples.Add((at, ms));

    /// <summary>Stops the thread and returns, sorted, the samples that started at or after <paramref name="from"/> (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    protected double[] StopAndTakeFrom(long from)
    {
        StopThread();
        return _samples.Where(s => s.At >= from).Select(s => s.Ms).Order().ToArray();
    }

    private void StopThread()
    {
        _stop.Cancel();
        _thread.Join();
    }
}
