using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;

namespace ChatEngine.LoadTest;

/// <summary>
/// A reconnect storm: every member holds a user stream, all drop at once (a network blip, a deploy),
/// each group gets <see cref="LoadOptions.Missed"/> messages meanwhile, then every member comes back
/// at the same moment with its cursor. Reports how long until every client has caught up (its replay
/// ended with <c>synced</c>), the server's peak memory, and whether each got exactly what it missed.
/// </summary>
internal static class ReconnectStorm
{
    public static async Task<string> RunAsync(LoadOptions options, Uri server, ServerProcesses? process)
    {
        var (chatIds, tokens) = await LoadRun.SetUpAsync(options, server, CancellationToken.None);
        var clients = tokens.Length;

        // Everyone online, each keeping the cursor its stream starts from.
        var cursors = await Task.WhenAll(tokens.Select(async token =>
        {
            using var socket = await ConnectAsync(server, token, since: null);
            var (cursor, _) = await ReadUntilSyncedAsync(socket);
            socket.Abort(); // Gone without a goodbye, as a dropped network leaves it.
            return cursor;
        }));

        // While they are away, each group's owner keeps talking.
        await Parallel.ForEachAsync(Enumerable.Range(0, chatIds.Length), async (g, ct) =>
        {
            using var http = new HttpClient { BaseAddress = server };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens[g * options.Members]);
            for (var i = 0; i < options.Missed; i++)
            {
                using var sent = await http.PostAsJsonAsync($"/chat/{chatIds[g]}/messages", new { text = $"missed {g}-{i}" }, ct);
                sent.EnsureSuccessStatusCode();
            }
        });

        GC.Collect();
        var memoryBefore = process?.MemoryMiB() ?? double.NaN;
        var clock = Stopwatch.StartNew();
        var caughtUp = await Task.WhenAll(Enumerable.Range(0, clients).Select(async i =>
        {
            using var socket = await ConnectAsync(server, tokens[i], cursors[i]);
            var (_, messages) = await ReadUntilSyncedAsync(socket);
            var took = clock.Elapsed.TotalMilliseconds;
            socket.Abort();
            return (Took: took, Messages: messages);
        }));
        var all = clock.Elapsed;

        long lost = 0, repeated = 0;
        for (var i = 0; i < clients; i++)
        {
            var group = i / options.Members;
            var expected = Enumerable.Range(0, options.Missed).Select(n => $"missed {group}-{n}").ToHashSet();
            var got = caughtUp[i].Messages;
            lost += expected.Count(text => !got.Contains(text));
            repeated += got.Count - got.Distinct().Count() + got.Count(text => !expected.Contains(text));
        }

        var times = caughtUp.Select(c => c.Took).Order().ToArray();
        return string.Join('\n',
            $"  clients                       {clients:N0} user streams ({options.Groups} groups x {options.Members} members)",
            $"  missed while away             {options.Missed:N0} messages per group, {(long)options.Missed * clients:N0} to replay in all",
            $"  all caught up after           {all.TotalSeconds:F2} s (p50 {times[times.Length / 2] / 1000:F2} s, p99 {times[Math.Min(times.Length - 1, (int)(times.Length * 0.99))] / 1000:F2} s per client)",
            $"  replayed                      {(long)options.Missed * clients / all.TotalSeconds:N0} messages/s",
            $"  server memory before          {memoryBefore:F1} MiB",
            $"  server peak memory            {process?.PeakMemoryMiB():F1} MiB",
            $"  lost / repeated               {lost} / {repeated}",
            $"  verdict                       {(lost == 0 && repeated == 0 ? "OK: every client got exactly what it missed" : "FAILED: messages lost or repeated")}");
    }

    private static async Task<ClientWebSocket> ConnectAsync(Uri server, string token, string? since)
    {
        var socket = new ClientWebSocket();
        var query = $"?access_token={token}" + (since is null ? "" : $"&since={since}");
        await socket.ConnectAsync(new Uri($"ws://{server.Authority}/ws/user/{query}"), CancellationToken.None);
        return socket;
    }

    /// <summary>Reads the replay up to <c>synced</c>: the cursor it ends with, and the texts of the messages it carried.</summary>
    private static async Task<(string Cursor, List<string> Messages)> ReadUntilSyncedAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        var messages = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), timeout.Token);
            var length = result.Count;
            while (!result.EndOfMessage)
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
                length += result.Count;
            }

            using var json = JsonDocument.Parse(buffer.AsMemory(0, length));
            var root = json.RootElement;
            switch (root.GetProperty("type").GetString())
            {
                case "synced":
                    return (root.GetProperty("next").GetString()!, messages);
                case "message":
                    messages.Add(root.GetProperty("text").GetString()!);
                    break;
            }
        }
    }
}
