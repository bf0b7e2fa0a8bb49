using System.Net.WebSockets;

namespace ChatEngine.LoadTest;

/// <summary>Opens many idle chat sockets (one user, one chat) and reports the server's memory with them open.</summary>
internal static class IdleConnections
{
    public static async Task<string> RunAsync(LoadOptions options, Uri server, ServerProcesses? process)
    {
        using var http = new HttpClient { BaseAddress = server };
        var (token, chatId) = await OnePrivateChat.StartAsync(http, "idle");
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
