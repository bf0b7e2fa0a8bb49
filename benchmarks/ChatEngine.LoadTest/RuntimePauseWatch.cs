using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace ChatEngine.LoadTest;

/// <summary>
/// Watches the servers' runtimes over EventPipe (as <c>dotnet-trace</c> does) for each time the
/// runtime held every managed thread: garbage collections, and the other suspensions, such as the
/// tiered JIT's when it installs call counters. Every message in flight waits out such a pause, so a
/// latency tail made of a few stalls lines up with them (the latency log's <c>.pauses</c> file).
/// Only the GC keyword is enabled: a few events per collection, which cost the server nothing
/// measurable.
/// </summary>
internal sealed class RuntimePauseWatch : IDisposable
{
    private readonly List<Watched> _watched;

    private RuntimePauseWatch(List<Watched> watched) => _watched = watched;

    /// <summary>Starts watching, or returns null (and says why) when a server's runtime does not answer, so the run goes on without these figures.</summary>
    public static RuntimePauseWatch? TryStart(IEnumerable<int> processIds)
    {
        var watched = new List<Watched>();
        try
        {
            foreach (var (id, host) in processIds.Select((id, host) => (id, host)))
            {
                watched.Add(Watched.Start(id, host));
            }

            return new RuntimePauseWatch(watched);
        }
        catch (Exception ex) when (ex is DiagnosticsClientException or IOException or TimeoutException)
        {
            new RuntimePauseWatch(watched).Dispose();
            Console.Error.WriteLine($"Not watching the servers' runtime pauses: {ex.Message}");
            return null;
        }
    }

    /// <summary>The pauses that began at or after <paramref name="from"/> (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), once the watch has stopped.</summary>
    public RuntimePauses Stop(long from)
    {
        foreach (var watched in _watched)
        {
            watched.Stop();
        }

        var pauses = _watched.SelectMany(w => w.Pauses).Where(p => p.At >= from).OrderBy(p => p.At).ToArray();
        var collections = _watched.SelectMany(w => w.Collections).Where(c => c.At >= from).ToArray();
        return new RuntimePauses(pauses, collections.Count(c => c.Generation == 0), collections.Count(c => c.Generation == 1), collections.Count(c => c.Generation >= 2));
    }

    public void Dispose()
    {
        foreach (var watched in _watched)
        {
            watched.Stop();
        }
    }

    /// <summary>One server's session. Its events are read on one task, so its state needs no lock.</summary>
    private sealed class Watched
    {
        private readonly EventPipeSession _session;
        private readonly Task _reading;
        private readonly int _host;
        private long? _suspendedAt;
        private bool _suspendedForGc;
        private bool _collectionSinceSuspend;
        private string _lastCollection = "gen0";
        private string _lastCause = "";

        private Watched(EventPipeSession session, int host)
        {
            _session = session;
            _host = host;
            var source = new EventPipeEventSource(session.EventStream);
            source.Clr.GCStart += OnCollectionStart;
            source.Clr.GCSuspendEEStart += OnSuspend;
            source.Clr.GCRestartEEStop += OnRestarted;
            _reading = Task.Run(() =>
            {
                try
                {
                    source.Process();
                }
                finally
                {
                    source.Dispose();
                }
            });
        }

        public List<RuntimePause> Pauses { get; } = [];

        public List<(long At, int Generation)> Collections { get; } = [];

        public static Watched Start(int processId, int host)
        {
            var provider = new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, (long)ClrTraceEventParser.Keywords.GC);
            return new Watched(new DiagnosticsClient(processId).StartEventPipeSession(provider, requestRundown: false), host);
        }

        public void Stop()
        {
            if (_reading.IsCompleted)
            {
                return;
            }

            try
            {
                _session.Stop();
            }
            catch (Exception ex) when (ex is DiagnosticsClientException or IOException or TimeoutException)
            {
                // The server has exited: its stream has ended with it.
            }

            _reading.Wait();
            _session.Dispose();
        }

        private void OnCollectionStart(GCStartTraceData data)
        {
            Collections.Add((Monotonic(data), data.Depth));
            _lastCollection = $"gen{data.Depth}";
            _lastCause = $"{data.Reason}/{data.Type}";
            _collectionSinceSuspend = true;
        }

        private void OnSuspend(GCSuspendEETraceData data)
        {
            _suspendedAt = Monotonic(data);
            _suspendedForGc = data.Reason is GCSuspendEEReason.SuspendForGC or GCSuspendEEReason.SuspendForGCPrep;
            _collectionSinceSuspend = false;
        }

        private void OnRestarted(GCNoUserDataTraceData data)
        {
            if (_suspendedAt is not { } at)
            {
                return;
            }

            // A background collection's last suspension starts no collection: it is its gen2's.
            var kind = !_suspendedForGc ? "other" : _lastCollection;
            var cause = !_suspendedForGc ? "" : !_collectionSinceSuspend ? $"{_lastCause}, a later phase" : _lastCause;
            Pauses.Add(new RuntimePause(at, (Monotonic(data) - at) * 1e3 / System.Diagnostics.Stopwatch.Frequency, kind, cause, _host));
            _suspendedAt = null;
        }

        // An event's raw timestamp: on Linux, as Stopwatch's, the monotonic clock's, so it is comparable
        // across processes. TraceEvent discourages it in favour of times relative to the session.
#pragma warning disable CS0618
        private static long Monotonic(TraceEvent data) => data.TimeStampQPC;
#pragma warning restore CS0618
    }
}

/// <summary>
/// One time a server's runtime held every managed thread: when (a Stopwatch timestamp), for how long,
/// why ("gen0" to "gen2", or "other"), the collection's reason and type as the runtime gives them,
/// and on which host.
/// </summary>
internal readonly record struct RuntimePause(long At, double Ms, string Kind, string Cause, int Host);

/// <summary>The servers' runtime pauses over the measured window, and the collections that began in it by generation.</summary>
internal sealed record RuntimePauses(IReadOnlyList<RuntimePause> Pauses, int Gen0, int Gen1, int Gen2)
{
    public RuntimePauseFigures Figures()
    {
        var collections = Pauses.Where(p => p.Kind != "other").ToArray();
        var others = Pauses.Where(p => p.Kind == "other").Select(p => p.Ms).ToArray();
        var longest = collections.OrderByDescending(p => p.Ms).FirstOrDefault();
        return new RuntimePauseFigures(
            Gen0, Gen1, Gen2, Math.Round(collections.Sum(p => p.Ms), 1), Math.Round(longest.Ms, 2), longest.Kind is null ? "" : $"{longest.Kind}, {longest.Cause}",
            others.Length, Math.Round(others.Sum(), 1), Math.Round(others.DefaultIfEmpty().Max(), 2));
    }
}

/// <summary>
/// Collections by generation and how long their pauses held the server in all and at most (ms), with
/// the longest one's generation and cause; the other suspensions, their total and their longest (ms).
/// </summary>
internal readonly record struct RuntimePauseFigures(
    int Gen0, int Gen1, int Gen2, double CollectionPausesMs, double LongestCollectionPauseMs, string LongestCollectionPause,
    int OtherSuspensions, double OtherSuspensionsMs, double LongestOtherSuspensionMs);
