using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace ChatEngine.PackageTests;

/// <summary>JSON frames over a chat WebSocket, with a timeout so a missing frame fails the test instead of hanging it.</summary>
internal static class ChatSocketFrames
{
    public static Task SendAsync(this ClientWebSocket socket, string frame) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    /// <summary>Receives frames until one of <paramref name="type"/> arrives, skipping others (status, typing...).</summary>
    public static async Task<JsonElement> ReceiveAsync(this ClientWebSocket socket, string type)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[64 * 1024];
        while (true)
        {
            using var frame = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer, timeout.Token);
                frame.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);

            var json = JsonDocument.Parse(frame.ToArray()).RootElement.Clone();
            if (json.GetProperty("type").GetString() == type)
            {
                return json;
            }
        }
    }
}
