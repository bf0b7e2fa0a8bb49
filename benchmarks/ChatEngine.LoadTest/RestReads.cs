using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace ChatEngine.LoadTest;

/// <summary>
/// What clients do over REST to show their chats: every member, in turns, asks for its chat list,
/// its group list and its group's newest page (which marks the group read), as a web or mobile
/// client does on opening. Reports requests/s, latency and the server's CPU per request, so the
/// cost of a read can be followed as the stores change.
/// </summary>
internal static class RestReads
{
    private const int MessagesPerGroup = 30;

    public static async Task<string> RunAsync(LoadOptions options, Uri server, ServerProcesses? process)
    {
        var (chatIds, tokens) = await LoadRun.SetUpAsync(options, server, CancellationToken.None);
        var clients = tokens.Select((token, i) => (Http: Client(server, token), Paths: new[] { "/chat/", "/group/", $"/group/{chatIds[i / options.Members]}" })).ToArray();
        try
        {
            // Each group gets a page of history, from its members in turn, so the page has readers to show.
            await Parallel.ForEachAsync(Enumerable.Range(0, chatIds.Length), async (g, ct) =>
            {
                for (var i = 0; i < MessagesPerGroup; i++)
                {
                    var member = clients[(g * options.Members) + (i % options.Members)].Http;
                    using var sent = await member.PostAsJsonAsync($"/chat/{chatIds[g]}/messages", new { text = $"history {g}-{i}" }, ct);
                    sent.EnsureSuccessStatusCode();
                }
            });

            // The warm-up asks like the run, so the figures are of compiled code and full pools.
            await ReadAsync(clients, TimeSpan.FromSeconds(options.Warmup), latencies: null);
            var cpuBefore = process?.CpuSeconds() ?? double.NaN;
            var latencies = new List<double>[clients.Length];
            var clock = Stopwatch.StartNew();
            await ReadAsync(clients, TimeSpan.FromSeconds(options.Duration), latencies);
            var seconds = clock.Elapsed.TotalSeconds;
            var cpu = (process?.CpuSeconds() ?? double.NaN) - cpuBefore;

            var sorted = latencies.SelectMany(l => l).Order().ToArray();
            if (sorted.Length == 0)
            {
                throw new InvalidOperationException("No request completed in the measured window; give a longer --duration.");
            }

            return string.Join('\n',
                $"  clients                       {clients.Length:N0} ({options.Groups} groups x {options.Members} members), one request at a time each",
                $"  requests                      {sorted.Length:N0} in {seconds:F1} s, {sorted.Length / seconds:N0}/s (chat list, group list, group page in turns)",
                $"  latency p50/p95/p99/max       {LoadRun.Percentile(sorted, 0.50):F2} / {LoadRun.Percentile(sorted, 0.95):F2} / {LoadRun.Percentile(sorted, 0.99):F2} / {LoadRun.Percentile(sorted, 1):F2} ms",
                $"  server CPU                    {cpu:F1} s, {cpu * 1e6 / sorted.Length:F0} µs per request");
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Http.Dispose();
            }
        }
    }

    private static HttpClient Client(Uri server, string token)
    {
        var http = new HttpClient { BaseAddress = server };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static Task ReadAsync((HttpClient Http, string[] Paths)[] clients, TimeSpan duration, List<double>[]? latencies)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        return Task.WhenAll(clients.Select(async (client, index) =>
        {
            var mine = new List<double>();
            for (var turn = index; Stopwatch.GetTimestamp() < until; turn++)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await client.Http.GetAsync(client.Paths[turn % client.Paths.Length]);
                await response.Content.LoadIntoBufferAsync();
                response.EnsureSuccessStatusCode();
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            if (latencies is not null)
            {
                latencies[index] = mine;
            }
        }));
    }
}
