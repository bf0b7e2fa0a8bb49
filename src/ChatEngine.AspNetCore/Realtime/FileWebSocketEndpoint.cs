using System.Buffers.Text;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>
/// <c>ws/file/{id}/</c>: relays a file to the other members' file sockets of the chat. Bytes are
/// never stored (the original's rule); nobody to receive it gives <c>recipient_offline</c>, and a
/// file over the limit gives <c>file_too_large</c>, with the socket kept open either way.
/// </summary>
internal static class FileWebSocketEndpoint
{
    private static readonly TimeSpan RecipientWait = TimeSpan.FromSeconds(5);

    public static async Task HandleAsync(HttpContext context, long id)
    {
        var (userId, refusal) = await WebSocketAdmission.AdmitAsync(context, id);
        if (refusal is not null)
        {
            await refusal.ExecuteAsync(context);
            return;
        }

        var services = context.RequestServices;
        var options = services.GetRequiredService<IOptions<ChatTransportOptions>>().Value;
        var registry = services.GetRequiredService<ChatConnectionRegistry>();
        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        var time = services.GetRequiredService<TimeProvider>();

        // Registered before the upgrade completes: a file sent the moment this socket opens reaches it.
        var self = new FileSocket(userId, id);
        registry.Add(self);
        ChatEngineMetrics.Connections.Add(1, new KeyValuePair<string, object?>("transport", "file"));
        try
        {
            using var webSocket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = options.KeepAliveInterval });
            self.Attach(webSocket);
            await RelayLoopAsync(context, webSocket, self, registry, scopes, options, time);
        }
        finally
        {
            registry.Remove(self);
            ChatEngineMetrics.Connections.Add(-1, new KeyValuePair<string, object?>("transport", "file"));
        }
    }

    private static async Task RelayLoopAsync(
        HttpContext context, WebSocket webSocket, FileSocket self, ChatConnectionRegistry registry, IServiceScopeFactory scopes, ChatTransportOptions options, TimeProvider time)
    {
        // Base64 grows data by a third; the rest of the frame is small.
        var maxFrame = (int)Math.Min(int.MaxValue - 1, (options.MaxFileBytes * 4 / 3) + 64 * 1024);
        using var reader = new WebSocketFrameReader(webSocket, maxFrame);
        try
        {
            while (webSocket.State == WebSocketState.Open)
            {
                var read = await reader.ReadAsync(context.RequestAborted);
                if (read == FrameRead.Closed)
                {
                    break;
                }

                var error = read switch
                {
                    FrameRead.TooLarge => new ErrorFrame("file_too_large", $"Files must be at most {options.MaxFileBytes} bytes."),
                    FrameRead.Binary => new ErrorFrame("unsupported_frame", "Send JSON text frames."),
                    _ => await RelayAsync(reader.Frame, self, registry, scopes, options, time, context.RequestAborted),
                };
                if (error is not null)
                {
                    await self.TrySendAsync(JsonSerializer.SerializeToUtf8Bytes(error, ChatJsonContext.Default.ErrorFrame), RecipientWait, context.RequestAborted);
                }
            }

            if (webSocket.State == WebSocketState.CloseReceived)
            {
                await webSocket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client went away.
        }
    }

    private static async Task<ErrorFrame?> RelayAsync(
        ReadOnlyMemory<byte> utf8, FileSocket self, ChatConnectionRegistry registry, IServiceScopeFactory scopes, ChatTransportOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        IncomingFrame? frame;
        try
        {
            frame = JsonSerializer.Deserialize(utf8.Span, ChatJsonContext.Default.IncomingFrame);
        }
        catch (JsonException)
        {
            return new ErrorFrame("invalid_json", "The frame is not valid JSON.");
        }

        if (frame?.Type != "file" || frame.File?.Data is not { } data)
        {
            return new ErrorFrame("invalid_frame", "Send {\"type\": \"file\", \"file\": {\"name\", \"type\", \"size\", \"data\": base64}}.");
        }

        if (!Base64.IsValid(data, out var decodedLength))
        {
            return new ErrorFrame("invalid_file", "file.data must be base64.");
        }

        if (decodedLength > options.MaxFileBytes || frame.File.Size > options.MaxFileBytes)
        {
            return new ErrorFrame("file_too_large", $"Files must be at most {options.MaxFileBytes} bytes.");
        }

        // Membership can change while a socket is open: checked again for every file.
        ChatUser sender;
        await using (var scope = scopes.CreateAsyncScope())
        {
            try
            {
                await scope.ServiceProvider.GetRequiredService<ChatService>().GetMembershipAsync(self.UserId, self.ChatId, cancellationToken);
                sender = await scope.ServiceProvider.GetRequiredService<IChatUserDirectory>().FindByIdAsync(self.UserId, cancellationToken)
                    ?? new ChatUser(self.UserId, $"user{self.UserId}");
            }
            catch (ChatException error)
            {
                return new ErrorFrame(error.Code, error.Message);
            }
        }

        var recipients = registry.FileSockets(self.ChatId).Where(s => s.UserId != self.UserId).ToArray();
        if (recipients.Length == 0)
        {
            return new ErrorFrame("recipient_offline", "Nobody else in this chat is online to receive the file.");
        }

        var relayed = JsonSerializer.SerializeToUtf8Bytes(new FileFrame
        {
            ChatId = self.ChatId,
            Sender = sender.Id,
            SenderUsername = sender.UserName,
            Time = WireTime.Format(time.GetUtcNow()),
            File = new FileInfoPayload(frame.File.Name, frame.File.Type, decodedLength, data),
            Text = frame.Text,
        }, ChatJsonContext.Default.FileFrame);

        var delivered = await Task.WhenAll(recipients.Select(r => r.TrySendAsync(relayed, RecipientWait, cancellationToken)));
        return delivered.Any(d => d) ? null : new ErrorFrame("recipient_offline", "The file could not be delivered to anyone.");
    }
}
