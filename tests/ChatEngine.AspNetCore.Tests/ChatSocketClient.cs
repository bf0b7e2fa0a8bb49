using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>A ClientWebSocket that speaks JSON frames, with timeouts so a missing frame fails the test instead of hanging it.</summary>
public sealed class ChatSocketClient(ClientWebSocket socket) : IDisposable
{
    // Generous: CI runs test assemblies side by side on two cores.
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    public ClientWebSocket Socket { get; } = socket;

    public Task SendAsync(object frame) => SendTextAsync(JsonSerializer.Serialize(frame));

    public Task SendTextAsync(string text) =>
        Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    public async Task<JsonObject> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await Socket.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException($"Closed by the server: {result.CloseStatus} {result.CloseStatusDescription}");
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonNode.Parse(message.ToArray())!.AsObject();
            }
        }
    }

    /// <summary>Receives frames until one of the given type arrives, skipping others (status, typing...).</summary>
    public async Task<JsonObject> ReceiveAsync(string type, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var frame = await ReceiveAsync(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
            if ((string?)frame["type"] == type)
            {
                return frame;
            }
        }
    }

    /// <summary>The next <c>status</c> frame about <paramref name="username"/>, skipping others.</summary>
    public async Task<JsonObject> ReceiveStatusOfAsync(string username)
    {
        while (true)
        {
            var status = await ReceiveAsync("status");
            if ((string?)status["username"] == username)
            {
                return status;
            }
        }
    }

    /// <summary>Waits until the server closes the socket, and returns how.</summary>
    public async Task<WebSocketCloseStatus?> WaitForCloseAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await Socket.ReceiveAsync(buffer, cts.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return result.CloseStatus;
                }
            }
        }
        catch (WebSocketException)
        {
            return null; // Aborted rather than closed.
        }
    }

    /// <summary>Reads and discards frames in the background until the socket closes, so this client never stalls.</summary>
    public Task DrainAsync() => Task.Run(async () =>
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (Socket.State == WebSocketState.Open)
            {
                if ((await Socket.ReceiveAsync(buffer, CancellationToken.None)).MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException)
        {
        }
    });

    public void Dispose() => Socket.Dispose();
}
