using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ChatEngine.LoadTest;

/// <summary>One load run: set-up over REST, sockets per member per group, a timed send phase, then verification.</summary>
internal sealed class LoadRun(LoadOptions options, IReadOnlyList<Uri> servers)
{
    // Set-up and verification go to the first host; with several, any host would do.
    private readonly Uri server = servers[0];
    private readonly long _readEvery = (long)(options.ReadEvery / 1000 * Stopwatch.Frequency);

    private readonly MessageLedger _ledger = new(options.Groups * options.Members);
    private readonly AppendOnlyList<double> _latencies = new();
    private readonly AppendOnlyList<(double SentMs, double LatencyMs)> _latencyLog = new();   // with --latency-log only
    private readonly ConcurrentDictionary<string, int> _errorCodes = new();
    private long _errors;
    private long _duplicates;
    private long _deliveryCount;
    private long _acceptedCount;
    private long _measuredDeliveries;   // deliveries of messages sent after the warm-up
    private long _measureFrom;          // Stopwatch timestamp where the warm-up ends

    // The same again for the members' user streams (--user-streams): each message once more per member.
    private long _streamDeliveryCount;
    private long _measuredStreamDeliveries;
    private long _streamDuplicates;

    private long _measuredReadMarks;    // read frames sent after the warm-up (--read-every)

    private sealed record Member(int Group, long ChatId, string Token, ClientWebSocket Socket, SemaphoreSlim Window)
    {
        public ClientWebSocket? Stream { get; init; }

        /// <summary>One send at a time on the socket, with read frames sent from the receive loop (--read-every).</summary>
        public SemaphoreSlim Sending { get; } = new(1, 1);

        /// <summary>When the member last marked its chat read (a Stopwatch timestamp).</summary>
        public long LastReadMark { get; set; }
    }

    public async Task<LoadResult> RunAsync(ServerProcesses? process, CancellationToken cancellationToken)
    {
        var (chatIds, tokens) = options.Mode == "baseline" ? BaselineRooms() : await SetUpAsync(options, server, cancellationToken);
        var members = new List<Member>();
        for (var g = 0; g < options.Groups; g++)
        {
            for (var m = 0; m < options.Members; m++)
            {
                var token = tokens[(g * options.Members) + m];
                var socket = new ClientWebSocket();
                var host = servers[((g * options.Members) + m) % servers.Count]; // Members of a group on every host.
                var uri = new Uri($"ws://{host.Authority}/ws/chat/{chatIds[g]}/" + (token.Length > 0 ? $"?access_token={token}" : ""));
                await socket.ConnectAsync(uri, cancellationToken);
                ClientWebSocket? stream = null;
                if (options.UserStreams)
                {
                    stream = new ClientWebSocket();
                    await stream.ConnectAsync(new Uri($"ws://{host.Authority}/ws/user/?access_token={token}"), cancellationToken);
                }

                members.Add(new Member(g, chatIds[g], token, socket, new SemaphoreSlim(options.Window, options.Window)) { Stream = stream });
            }
        }

        var receivers = members.Select((member, index) => ReceiveAsync(member, index))
            .Concat(members.Where(m => m.Stream is not null).Select(ReceiveStreamAsync)).ToArray();
        using var diskSync = process is not null && options.Mode == "chat" ? DiskSyncProbe.Start() : null;
        using var pauseWatch = process is not null ? RuntimePauseWatch.TryStart(process.ProcessIds) : null;
        using var cpuSpeed = CpuSpeedProbe.TryStart();
        var clock = Stopwatch.StartNew();
        // The warm-up sends like the run but counts only towards correctness, so the figures are of a
        // server whose code is compiled (tiered JIT) and whose pools are full, as in production.
        var warmup = TimeSpan.FromSeconds(options.Warmup);
        _measureFrom = Stopwatch.GetTimestamp() + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var cpuAtMeasureStart = CpuAfterAsync(process, warmup, cancellationToken);
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        sending.CancelAfter(warmup + TimeSpan.FromSeconds(options.Duration));
        var progress = ReportProgressAsync(clock, sending.Token);
        var perSenderInterval = options.Rate > 0 ? TimeSpan.FromSeconds(members.Count / options.Rate) : TimeSpan.Zero;
        await Task.WhenAll(members.Select((member, index) => SendLoopAsync(member, index, perSenderInterval, sending.Token)));
        var sendSeconds = clock.Elapsed.TotalSeconds - warmup.TotalSeconds;
        var loopAtSendEnd = process?.WriteLoopTotals();
        var loopThreadAtSendEnd = process?.WriteLoopThreadTimes();
        var generatorGc = GeneratorGc.Now();
        var (cpuBefore, loopBefore, loopThreadBefore, generatorGcBefore) = await cpuAtMeasureStart;
        var loopThread = loopThreadAtSendEnd is { } threadEnd && loopThreadBefore is { } threadStart
            ? new ThreadTimes(threadEnd.OnCpuSeconds - threadStart.OnCpuSeconds, threadEnd.WaitingSeconds - threadStart.WaitingSeconds)
            : null;

        // Let in-flight messages land, then stop the probes and close. Stopping a probe blocks while
        // the server ends its event session and the probe's thread ends: done before the last messages
        // landed, with another tool also watching the server, it added up to 120 ms to their latency.
        // An overloaded server may still be delivering long after the last send: waiting a fixed time
        // counted late deliveries as lost. It waits while they keep coming; only a quiet spell ends it.
        var expected = () => _ledger.Sent * options.Members;
        var landed = () => Interlocked.Read(ref _deliveryCount) + (options.UserStreams ? Interlocked.Read(ref _streamDeliveryCount) : 0);
        var (lastLanded, quietSince) = (landed(), Stopwatch.StartNew());
        while ((Interlocked.Read(ref _deliveryCount) < expected() || (options.UserStreams && Interlocked.Read(ref _streamDeliveryCount) < expected()))
            && quietSince.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100, cancellationToken);
            if (landed() != lastLanded)
            {
                (lastLanded, quietSince) = (landed(), Stopwatch.StartNew());
            }
        }

        var diskSyncs = diskSync?.Stop(_measureFrom);
        var pauses = pauseWatch?.Stop(_measureFrom);
        var cpuSpeeds = cpuSpeed?.Stop(_measureFrom);
        var cpu = (process?.CpuSeconds() ?? 0) - cpuBefore;
        foreach (var socket in members.SelectMany(m => m.Stream is null ? [m.Socket] : new[] { m.Socket, m.Stream }))
        {
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
            catch (WebSocketException)
            {
            }
        }

        await progress;
        await Task.WhenAll(receivers);
        var accepted = _ledger.All().Where(m => m.Entry.Accepted == 1).ToList();
        var lost = accepted.Sum(m => Math.Max(0, options.Members - m.Entry.Deliveries));
        var lostOnStreams = options.UserStreams ? accepted.Sum(m => Math.Max(0, options.Members - m.Entry.StreamDeliveries)) : 0;
        var stored = options.Mode == "baseline" ? (Missing: 0L, Duplicated: 0L) : await VerifyStoredAsync(chatIds, tokens, accepted, cancellationToken);
        var sorted = _latencies.ToArray();
        Array.Sort(sorted);
        if (options.LatencyLogPath is { } latencyLog)
        {
            await WriteLatencyLogAsync(latencyLog, pauses, cancellationToken);
        }
        return new LoadResult
        {
            Mode = options.Mode,
            Database = options.Target is null && options.Mode == "chat" ? options.Database : null,
            Groups = options.Groups,
            Members = options.Members,
            Connections = members.Count,
            Hosts = servers.Count,
            OfferedRate = options.Rate,
            Window = options.Window,
            Seconds = Math.Round(sendSeconds, 2),
            WarmupSeconds = options.Warmup,
            AcceptedMessages = MeasuredAccepted(),
            AcceptedPerSecond = Math.Round(MeasuredAccepted() / sendSeconds),
            Deliveries = Interlocked.Read(ref _measuredDeliveries),
            DeliveriesPerSecond = Math.Round(Interlocked.Read(ref _measuredDeliveries) / sendSeconds),
            LatencyP50Ms = Percentile(sorted, 0.50),
            LatencyP95Ms = Percentile(sorted, 0.95),
            LatencyP99Ms = Percentile(sorted, 0.99),
            LatencyMaxMs = sorted.Length == 0 ? 0 : Math.Round(sorted[^1], 2),
            Errors = Interlocked.Read(ref _errors),
            ErrorCodes = string.Join(", ", _errorCodes.Select(e => $"{e.Key}: {e.Value}")),
            LostDeliveries = lost + lostOnStreams,
            DuplicateDeliveries = Interlocked.Read(ref _duplicates) + Interlocked.Read(ref _streamDuplicates),
            UserStreams = options.UserStreams,
            ReadEveryMs = options.ReadEvery,
            ReadMarksPerSecond = Math.Round(Interlocked.Read(ref _measuredReadMarks) / sendSeconds),
            StreamDeliveries = Interlocked.Read(ref _measuredStreamDeliveries),
            StreamDeliveriesPerSecond = Math.Round(Interlocked.Read(ref _measuredStreamDeliveries) / sendSeconds),
            MissingFromStore = stored.Missing,
            DuplicatedInStore = stored.Duplicated,
            ServerCpuSeconds = process is null ? null : Math.Round(cpu, 2),
            ServerCpuMicrosecondsPerMessage = process is null || MeasuredAccepted() == 0 ? null : Math.Round(cpu * 1e6 / MeasuredAccepted(), 1),
            WriteLoopBusyFraction = loopAtSendEnd is { } end && loopBefore is { } start
                ? Math.Round((end.BusySeconds - start.BusySeconds) / (sendSeconds * servers.Count), 3)
                : null,
            WriteLoopOnCpuFraction = loopThread is null ? null : Math.Round(loopThread.OnCpuSeconds / (sendSeconds * servers.Count), 3),
            WriteLoopWaitingFraction = loopThread is null ? null : Math.Round(loopThread.WaitingSeconds / (sendSeconds * servers.Count), 3),
            MeanBatchSize = loopAtSendEnd is { Batches: { } batchesAtEnd } last && loopBefore is { Batches: { } batchesBefore } first && batchesAtEnd > batchesBefore
                ? Math.Round((double)(last.Messages - first.Messages) / (batchesAtEnd - batchesBefore), 1)
                : null,
            ServerPeakMemoryMiB = process is null ? null : Math.Round(process.PeakMemoryMiB(), 1),
            DiskSync = diskSyncs,
            CpuSpeed = cpuSpeeds,
            ServerPauses = pauses?.Figures(),
            GeneratorCollections = generatorGc.Collections - generatorGcBefore.Collections,
            GeneratorGcPauseMs = Math.Round((generatorGc.Paused - generatorGcBefore.Paused).TotalMilliseconds, 1),
        };
    }

    private (long[] ChatIds, string[] Tokens) BaselineRooms() =>
        (Enumerable.Range(1, options.Groups).Select(i => (long)i).ToArray(), Enumerable.Repeat("", options.Groups * options.Members).ToArray());

    /// <summary>Registers the members, signs them in, and makes the groups (each owned by its first member).</summary>
    internal static async Task<(long[] ChatIds, string[] Tokens)> SetUpAsync(LoadOptions options, Uri server, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = server };
        var run = Guid.NewGuid().ToString("N")[..6];
        var names = Enumerable.Range(0, options.Groups * options.Members).Select(i => $"lt{run}u{i}").ToArray();
        var tokens = new string[names.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, names.Length), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            using var registered = await http.PostAsJsonAsync("/user/register/", new { username = names[i], password = "LoadTest-1!" }, ct);
            registered.EnsureSuccessStatusCode();
            using var token = await http.PostAsJsonAsync("/api/token/", new { username = names[i], password = "LoadTest-1!" }, ct);
            token.EnsureSuccessStatusCode();
            tokens[i] = (string)(await token.Content.ReadFromJsonAsync<JsonObject>(ct))!["access"]!;
        });

        var chatIds = new long[options.Groups];
        for (var g = 0; g < options.Groups; g++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/group/")
            {
                Content = JsonContent.Create(new { name = $"load {g}", members = names.Skip((g * options.Members) + 1).Take(options.Members - 1).ToArray() }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[g * options.Members]);
            using var created = await http.SendAsync(request, cancellationToken);
            created.EnsureSuccessStatusCode();
            chatIds[g] = (long)(await created.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["id"]!;
        }

        return (chatIds, tokens);
    }

    private async Task SendLoopAsync(Member member, int index, TimeSpan interval, CancellationToken cancellationToken)
    {
        var next = Stopwatch.GetTimestamp();
        // Spread paced senders over the interval so the offered load is smooth.
        if (interval > TimeSpan.Zero)
        {
            next += (long)(interval.TotalSeconds * Stopwatch.Frequency * (index % 100) / 100.0);
        }

        for (var n = 0; !cancellationToken.IsCancellationRequested; n++)
        {
            try
            {
                if (interval > TimeSpan.Zero)
                {
                    next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, cancellationToken);
                    }
                }

                await member.Window.WaitAsync(cancellationToken);
                var clientId = $"{index}-{n}";
                // The bare fan-out relays what it gets, so here its senders send what a server of the
                // contract delivers (the message event, v2 fields included): both modes deliver, and
                // the generator parses, frames of the same shape and size.
                var frame = options.Mode == "baseline"
                    ? Encoding.UTF8.GetBytes($$"""{"type":"message","id":{{n}},"chat_id":{{index}},"sender":{{index}},"sender_username":"load_user_{{index}}","text":"load message {{n}} from {{index}}","time":"2026-12-01T00:00:00.000Z","read":false,"read_by":[],"client_id":"{{clientId}}","seq":{{n}},"edited_at":null,"deleted":false,"pinned":false,"mentions":[],"reply_to":null,"reply_preview":null,"reactions":[],"attachments":[]}""")
                    : Encoding.UTF8.GetBytes($$"""{"type":"message","text":"load message {{n}} from {{index}}","client_id":"{{clientId}}"}""");
                _ledger.Sending(index, n, Stopwatch.GetTimestamp());
                await SendFrameAsync(member, frame);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (WebSocketException)
            {
                Interlocked.Increment(ref _errors);
                return;
            }
        }
    }

    private async Task ReceiveAsync(Member member, int index)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await member.Socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                var length = result.Count;
                while (!result.EndOfMessage)
                {
                    result = await member.Socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += result.Count;
                }

                var now = Stopwatch.GetTimestamp();
                if (Delivered(buffer.AsSpan(0, length), now, index, out var messageId, out var own))
                {
                    // The sender's own copy is its acknowledgement: committed (chat mode) and delivered.
                    member.Window.Release();
                }

                if (_readEvery > 0 && messageId > 0 && !own && now - member.LastReadMark >= _readEvery)
                {
                    member.LastReadMark = now;
                    if (now >= _measureFrom)
                    {
                        Interlocked.Increment(ref _measuredReadMarks);
                    }

                    await SendFrameAsync(member, Encoding.UTF8.GetBytes($$"""{"type":"read","up_to":{{messageId}}}"""));
                }
            }
        }
        catch (WebSocketException)
        {
        }
    }

    private async Task SendFrameAsync(Member member, byte[] frame)
    {
        if (_readEvery == 0)
        {
            await member.Socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
            return;
        }

        await member.Sending.WaitAsync();
        try
        {
            await member.Socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
        }
        finally
        {
            member.Sending.Release();
        }
    }

    /// <summary>
    /// Counts a frame that reached member <paramref name="index"/>'s chat socket; true when it
    /// acknowledges one of its own sends. A message's id comes out, and whether it was the member's own.
    /// </summary>
    private bool Delivered(ReadOnlySpan<byte> json, long now, int index, out long messageId, out bool own)
    {
        var frame = ReceivedFrame.Read(json);
        messageId = frame.Type == ReceivedFrame.Message ? frame.Id : 0;
        own = frame.Sender == index;
        if (frame.Type == ReceivedFrame.Error)
        {
            Interlocked.Increment(ref _errors);
            _errorCodes.AddOrUpdate(frame.ErrorCode ?? "?", 1, (_, n) => n + 1);
            return false;
        }

        ref var message = ref frame.Type == ReceivedFrame.Message ? ref _ledger.Find(frame.Sender, frame.Number) : ref Unsafe.NullRef<MessageLedger.Entry>();
        if (Unsafe.IsNullRef(ref message))
        {
            return false;
        }

        Interlocked.Increment(ref _deliveryCount);
        if (Interlocked.Increment(ref message.Deliveries) > options.Members)
        {
            Interlocked.Increment(ref _duplicates);
        }

        var sent = Volatile.Read(ref message.SentAt);
        if (sent >= _measureFrom)
        {
            Interlocked.Increment(ref _measuredDeliveries);
            var latency = Stopwatch.GetElapsedTime(sent, now).TotalMilliseconds;
            _latencies.Add(latency);
            if (options.LatencyLogPath is not null)
            {
                _latencyLog.Add((Stopwatch.GetElapsedTime(_measureFrom, sent).TotalMilliseconds, latency));
            }
        }

        if (frame.Sender != index || Interlocked.Exchange(ref message.Accepted, 1) != 0)
        {
            return false;
        }

        Interlocked.Increment(ref _acceptedCount);
        return true;
    }

    /// <summary>A member's user stream: each message must come once, as on the chat socket.</summary>
    private async Task ReceiveStreamAsync(Member member)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await member.Stream!.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                var length = result.Count;
                while (!result.EndOfMessage)
                {
                    result = await member.Stream.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += result.Count;
                }

                DeliveredOnStream(buffer.AsSpan(0, length));
            }
        }
        catch (WebSocketException)
        {
        }
    }

    private void DeliveredOnStream(ReadOnlySpan<byte> json)
    {
        var frame = ReceivedFrame.Read(json);
        ref var message = ref frame.Type == ReceivedFrame.Message ? ref _ledger.Find(frame.Sender, frame.Number) : ref Unsafe.NullRef<MessageLedger.Entry>();
        if (Unsafe.IsNullRef(ref message))
        {
            return;
        }

        Interlocked.Increment(ref _streamDeliveryCount);
        if (Interlocked.Increment(ref message.StreamDeliveries) > options.Members)
        {
            Interlocked.Increment(ref _streamDuplicates);
        }

        if (Volatile.Read(ref message.SentAt) >= _measureFrom)
        {
            Interlocked.Increment(ref _measuredStreamDeliveries);
        }
    }

    private async Task<(long Missing, long Duplicated)> VerifyStoredAsync(
        long[] chatIds, string[] tokens, List<(int Sender, int Number, MessageLedger.Entry Entry)> accepted, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = server };
        var stored = new Dictionary<string, int>();
        for (var g = 0; g < chatIds.Length; g++)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens[g * options.Members]);
            long? before = null;
            while (true)
            {
                var page = await http.GetFromJsonAsync<JsonObject>($"/group/{chatIds[g]}?limit=200" + (before is null ? "" : $"&before={before}"), cancellationToken);
                var messages = page!["messages"]!.AsArray();
                foreach (var message in messages)
                {
                    var text = (string)message!["text"]!;
                    var key = text["load message ".Length..];
                    stored[key] = stored.GetValueOrDefault(key) + 1;
                }

                if (!(bool)page["has_more"]! || messages.Count == 0)
                {
                    break;
                }

                before = (long)messages[0]!["id"]!;
            }
        }

        var missing = accepted.LongCount(m => !stored.ContainsKey($"{m.Number} from {m.Sender}"));
        var duplicated = stored.Values.LongCount(count => count > 1);
        return (missing, duplicated);
    }

    /// <summary>
    /// Each measured delivery in the order its message was sent. A tail made of a few stalls shows as
    /// clusters; the header's timestamp is the monotonic clock's (as <c>perf record -k CLOCK_MONOTONIC</c>).
    /// The servers' runtime pauses go beside it (<c>PATH.pauses</c>), on the same time axis.
    /// </summary>
    private async Task WriteLatencyLogAsync(string path, RuntimePauses? pauses, CancellationToken cancellationToken)
    {
        var nanoseconds = (double)_measureFrom * 1e9 / Stopwatch.Frequency;
        var lines = _latencyLog.ToArray().OrderBy(entry => entry.SentMs)
            .Select(entry => string.Create(CultureInfo.InvariantCulture, $"{entry.SentMs:F3} {entry.LatencyMs:F3}"));
        await File.WriteAllLinesAsync(path, lines.Prepend(string.Create(CultureInfo.InvariantCulture, $"# measured from {nanoseconds:F0} ns; sent ms, latency ms")), cancellationToken);
        if (pauses is not null)
        {
            var pauseLines = pauses.Pauses.Select(p => string.Create(
                CultureInfo.InvariantCulture, $"{Stopwatch.GetElapsedTime(_measureFrom, p.At).TotalMilliseconds:F3} {p.Ms:F3} {p.Kind} {p.Host} {p.Cause}"));
            await File.WriteAllLinesAsync(path + ".pauses", pauseLines.Prepend("# began ms (as the log's sent ms), paused ms, what (gen0 to gen2, other), host, the collection's reason/type"), cancellationToken);
        }
    }

    /// <summary>Acknowledged messages sent after the warm-up.</summary>
    private long MeasuredAccepted() => _ledger.All().LongCount(m => m.Entry.Accepted == 1 && m.Entry.SentAt >= _measureFrom);

    /// <summary>The server's CPU seconds and write-loop totals, and the generator's own collections, once <paramref name="delay"/> has passed.</summary>
    private static async Task<(double Cpu, WriteLoopTotals? WriteLoop, ThreadTimes? WriteLoopThread, GeneratorGc Gc)> CpuAfterAsync(ServerProcesses? process, TimeSpan delay, CancellationToken cancellationToken)
    {
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, cancellationToken);
        }

        return (process?.CpuSeconds() ?? 0, process?.WriteLoopTotals(), process?.WriteLoopThreadTimes(), GeneratorGc.Now());
    }

    private async Task ReportProgressAsync(Stopwatch clock, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(1000, cancellationToken);
                Console.Error.Write($"\r  {clock.Elapsed.TotalSeconds,5:F1}s  accepted {Interlocked.Read(ref _acceptedCount),9:N0}  deliveries {Interlocked.Read(ref _deliveryCount),10:N0}  errors {Interlocked.Read(ref _errors),5}   ");
            }
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine();
        }
    }

    /// <summary>The value at fraction <paramref name="p"/> of <paramref name="sorted"/> (ascending), rounded to 0.01; 0 if empty.</summary>
    internal static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)], 2);

    /// <summary>
    /// The generator's own collections so far. Each pauses its senders and receivers, which the run
    /// measures as latency, so a run reports them beside the server's figures.
    /// </summary>
    private readonly record struct GeneratorGc(int Collections, TimeSpan Paused)
    {
        public static GeneratorGc Now() => new(GC.CollectionCount(0), GC.GetTotalPauseDuration());
    }
}
