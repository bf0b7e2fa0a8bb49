using System.Buffers;
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
/// <remarks>
/// A file costs memory only while it is relayed and only once: whether anyone can receive it is
/// decided as its frame starts to arrive (a file for nobody is read and dropped, never held), the
/// frame is held in pooled segments, its base64 data is checked where it lies and sent on as it is,
/// between a small head and tail, and every segment goes back to the pool afterwards.
/// </remarks>
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

        // Registered before the upgrade completes: a file sent the moment this socket opens reaches it.
        var self = new FileSocket(userId, id);
        if (!registry.TryAdd(self, options.MaxFileSocketsPerUser))
        {
            await TypedResults.Problem(
                detail: $"At most {options.MaxFileSocketsPerUser} file sockets per user are open at once.",
                statusCode: StatusCodes.Status429TooManyRequests,
                extensions: new Dictionary<string, object?> { ["code"] = ChatErrorCodes.TooManyFileSockets }).ExecuteAsync(context);
            return;
        }

        var metrics = services.GetRequiredService<ChatEngineMetrics>();
        metrics.ConnectionOpened("file");
        try
        {
            using var webSocket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = options.KeepAliveInterval });
            self.Attach(webSocket);
            await new FileRelay(self, webSocket, registry, services, options).RunAsync(context.RequestAborted);
        }
        finally
        {
            registry.Remove(self);
            metrics.ConnectionClosed("file");
        }
    }

    private sealed class FileRelay(FileSocket self, WebSocket webSocket, ChatConnectionRegistry registry, IServiceProvider services, ChatTransportOptions options)
    {
        private readonly TimeProvider _time = services.GetRequiredService<TimeProvider>();

        // Base64 grows data by a third; the rest of the frame is small.
        private readonly long _maxFrame = (options.MaxFileBytes * 4 / 3) + (64 * 1024);

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            try
            {
                while (webSocket.State == WebSocketState.Open)
                {
                    // Wait for the next frame without holding a buffer.
                    var start = await webSocket.ReceiveAsync(Memory<byte>.Empty, cancellationToken);
                    if (start.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }

                    var (error, closed) = await HandleFrameAsync(start, cancellationToken);
                    if (closed)
                    {
                        break;
                    }

                    if (error is not null)
                    {
                        await self.TrySendAsync(JsonSerializer.SerializeToUtf8Bytes(error, ChatJsonContext.Default.ErrorFrame), RecipientWait, options.FileSendTimeout, _time, cancellationToken);
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

        private async Task<(ErrorFrame? Error, bool Closed)> HandleFrameAsync(ValueWebSocketReceiveResult start, CancellationToken cancellationToken)
        {
            if (start.MessageType == WebSocketMessageType.Binary)
            {
                return (new ErrorFrame(ChatErrorCodes.UnsupportedFrame, "Send JSON text frames."), !start.EndOfMessage && await PooledFrame.DrainAsync(webSocket, cancellationToken));
            }

            // Decided before the file is read: a file nobody can receive is never held in memory.
            var (sender, refusal) = await CheckSenderAsync(cancellationToken);
            var recipients = refusal is null ? registry.FileSockets(self.ChatId).Where(s => s.UserId != self.UserId).ToArray() : [];
            if (refusal is not null || recipients.Length == 0)
            {
                var closed = !start.EndOfMessage && await PooledFrame.DrainAsync(webSocket, cancellationToken);
                return (refusal ?? new ErrorFrame(ChatErrorCodes.RecipientOffline, "Nobody else in this chat is online to receive the file."), closed);
            }

            using var frame = new PooledFrame();
            if (!start.EndOfMessage)
            {
                var (fits, closed) = await frame.ReadAsync(webSocket, _maxFrame, cancellationToken);
                if (closed)
                {
                    return (null, true);
                }

                if (!fits)
                {
                    return (FileFrameReader.TooLarge(options.MaxFileBytes), false);
                }
            }

            if (FileFrameReader.Read(frame.AsSequence(), options.MaxFileBytes) is not { } file)
            {
                return (FileFrameReader.Invalid, false);
            }

            if (file.Error is not null)
            {
                return (file.Error, false);
            }

            var (head, tail) = FileFrameReader.Envelope(new FileFrame
            {
                ChatId = self.ChatId,
                Sender = sender!.Id,
                SenderUsername = sender.UserName,
                Time = WireTime.Format(_time.GetUtcNow()),
                File = new FileInfoPayload(file.Name, file.Type, file.DecodedLength, Data: ""),
                Text = file.Text,
            });

            var delivered = await Task.WhenAll(recipients.Select(r => r.TrySendAsync(head, file.Data, tail, RecipientWait, options.FileSendTimeout, _time, cancellationToken)));
            return (delivered.Any(d => d) ? null : new ErrorFrame(ChatErrorCodes.RecipientOffline, "The file could not be delivered to anyone."), false);
        }

        /// <summary>Membership can change while a socket is open: checked again for every file.</summary>
        private async Task<(ChatUser? Sender, ErrorFrame? Refusal)> CheckSenderAsync(CancellationToken cancellationToken)
        {
            await using var scope = services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
            try
            {
                await scope.ServiceProvider.GetRequiredService<ChatService>().GetMembershipAsync(self.UserId, self.ChatId, cancellationToken);
                var sender = await scope.ServiceProvider.GetRequiredService<IChatUserDirectory>().FindByIdAsync(self.UserId, cancellationToken)
                    ?? new ChatUser(self.UserId, $"user{self.UserId}");
                return (sender, null);
            }
            catch (ChatException error)
            {
                return (null, new ErrorFrame(error.Code, error.Message));
            }
        }
    }
}
