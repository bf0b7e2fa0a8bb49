using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace ChatEngine.ReferenceHost.Tests.ScaleOut;

/// <summary>
/// A chat WebSocket whose frames are read in the background, so a test can wait for frames (and for a
/// marker that shows nothing more arrived) without cancelling, and so aborting, a receive.
/// </summary>
public sealed class LiveSocket : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly ClientWebSocket _socket;
    private readonly Channel<JsonObject> _frames = Channel.CreateUnbounded<JsonObject>();
    private readonly Task _reading;

    private LiveSocket(ClientWebSocket socket)
    {
        _socket = socket;
        _reading = ReadAsync();
    }

    public static async Task<LiveSocket> ConnectAsync(Uri host, long chatId, string token, long? after = null, string? query = null)
    {
        var socket = new ClientWebSocket();
        query = $"access_token={token}" + (after is null ? "" : $"&after={after}") + (query is null ? "" : $"&{query}");
        var uri = new UriBuilder(host) { Scheme = "ws", Path = $"/ws/chat/{chatId}/", Query = query }.Uri;
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        await socket.ConnectAsync(uri, timeout.Token);
        return new LiveSocket(socket);
    }

    public Task SendMessageAsync(string text, string? clientId = null) => SendAsync(new { type = "message", text, client_id = clientId });

    public Task SendAsync(object frame) =>
        _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(frame), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next frame of the given type, skipping others.</summary>
    public async Task<JsonObject> NextAsync(string type, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            var frame = await _frames.Reader.ReadAsync(cancel.Token);
            if ((string?)frame["type"] == type)
            {
                return frame;
            }
        }
    }

    /// <summary>The next frame whatever its type.</summary>
    public async Task<JsonObject> NextAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? DefaultTimeout);
        return await _frames.Reader.ReadAsync(cancel.Token);
    }

    /// <summary>The next <paramref name="count"/> message frames.</summary>
    public async Task<List<JsonObject>> MessagesAsync(int count, TimeSpan? timeout = null)
    {
        var messages = new List<JsonObject>();
        while (messages.Count < count)
        {
            messages.Add(await NextAsync("message", timeout));
        }

        return messages;
    }

    /// <summary>
    /// How many frames of <paramref name="type"/> arrive before the message whose text is
    /// <paramref name="marker"/>: the test sends the marker after everything it expects, and a chat's
    /// messages arrive in order, so anything extra shows up before it. No fixed wait.
    /// </summary>
    public async Task<int> CountBeforeMarkerAsync(string type, string marker, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var extra = 0;
        while (true)
        {
            var frame = await _frames.Reader.ReadAsync(cancel.Token);
            if ((string?)frame["type"] == "message" && (string?)frame["text"] == marker)
            {
                return extra;
            }

            extra += (string?)frame["type"] == type ? 1 : 0;
        }
    }

    /// <summary>Waits until the server closes the socket, and returns why (null when it dropped it without a close).</summary>
    public async Task<string?> ClosedAsync(TimeSpan? timeout = null)
    {
        await _reading.WaitAsync(timeout ?? DefaultTimeout);
        return _socket.CloseStatusDescription;
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
            }
            catch (Exception error) when (error is WebSocketException or OperationCanceledException)
            {
            }
        }

        await _reading;
        _socket.Dispose();
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    _frames.Writer.TryWrite(JsonNode.Parse(Encoding.UTF8.GetString(message.ToArray()))!.AsObject());
                    message.SetLength(0);
                }
            }
        }
        catch (WebSocketException)
        {
        }

        _frames.Writer.TryComplete();
    }
}
