using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json.Nodes;

namespace ChatEngine.LoadTest;

/// <summary>Opens many idle chat sockets (one user, one chat) and reports the server's memory with them open.</summary>
internal static class IdleConnections
{
    public static async Task<string> RunAsync(LoadOptions options, Uri server, ServerProcesses? process)
    {
        using var http = new HttpClient { BaseAddress = server };
        var name = $"idle{Guid.NewGuid():N}"[..16];
        var peer = $"peer{Guid.NewGuid():N}"[..16];
        foreach (var user in new[] { name, peer })
        {
            (await http.PostAsJsonAsync("/user/register/", new { username = user, password = "LoadTest-1!" })).EnsureSuccessStatusCode();
        }

        var token = (string)(await (await http.PostAsJsonAsync("/api/token/", new { username = name, password = "LoadTest-1!" })).Content.ReadFromJsonAsync<JsonObject>())!["access"]!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var chatId = (long)(await (await http.PostAsJsonAsync("/chat/", new { username = peer })).Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var before = process?.MemoryMiB() ?? double.NaN;
        var sockets = new List<ClientWebSocket>(options.IdleConnections);
        for (var i = 0; i < options.IdleConnections; i++)
        {
            var socket = new ClientWebSocket();
            await socket.ConnectAsync(new Uri($"ws://{server.Authority}/ws/chat/{chatId}/?access_token={token}"), CancellationToken.None);
            sockets.Add(socket);
            if (i % 1000 == 999)
            {
                Console.Error.Write($"\r  {i + 1:N0} sockets open");
            }
        }

        GC.Collect();
        await Task.Delay(2000);
        var after = process?.MemoryMiB() ?? double.NaN;
        var open = sockets.Count(s => s.State == WebSocketState.Open);
        foreach (var socket in sockets)
        {
            socket.Abort();
            socket.Dispose();
        }

        return $"  idle sockets open       {open:N0}\n  server memory before    {before:F1} MiB\n  server memory with them {after:F1} MiB\n  server peak memory      {process?.PeakMemoryMiB():F1} MiB";
    }
}
