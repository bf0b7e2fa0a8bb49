using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>
/// <c>ws/chat/{id}/</c>: one socket per user per chat. The chat and the sender come from the route
/// and the authenticated user, never from the frame. A bad frame gets an error frame and the socket
/// stays open. With <c>?after_seq={seq}</c> the socket first receives every change after that number,
/// then <c>caught_up</c>, then live traffic; with v1's <c>?after={messageId}</c>, the messages it
/// missed, then live traffic: either way with nothing lost or repeated at the seam. Change events
/// other than messages go only to v2 sockets (<c>?v=2</c> or <c>?after_seq=</c>).
/// </summary>
internal static class ChatWebSocketEndpoint
{
    public static async Task HandleAsync(HttpContext context, long id)
    {
        var query = context.Request.Query;
        long? after = null, afterSeq = null;
        if (query.TryGetValue("after_seq", out var afterSeqValue))
        {
            if (!long.TryParse(afterSeqValue, out var seq) || seq < 0)
            {
                await ChatProblems.From(new ChatException(ChatErrorKind.Validation, ChatErrorCodes.InvalidPaging, "after_seq must be a change number.")).ExecuteAsync(context);
                return;
            }

            afterSeq = seq;
        }
        else if (query.TryGetValue("after", out var afterValue))
        {
            if (!long.TryParse(afterValue, out var afterId) || afterId < 0)
            {
                await TypedResults.Problem(detail: "after must be a message id.", statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context);
                return;
            }

            after = afterId;
        }

        var receivesChanges = afterSeq is not null || query["v"] == "2";

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
        var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

        // Counted online and subscribed before the upgrade completes: a client that sees its socket open
        // is online (closing another tab right after cannot flash it offline) and misses no broadcast.
        var socket = new ChatSocket(userId, id, options.SendQueueCapacity, catchingUp: after is not null || afterSeq is not null, receivesChanges, services.GetRequiredService<ChatEngineMetrics>());
        await services.GetRequiredService<BlockedUsers>().LoadAsync(userId);
        await WithScopeAsync(scopes, sp => sp.GetRequiredService<PresenceService>().ConnectedAsync(userId, CancellationToken.None));
        registry.Add(socket);
        try
        {
            using var webSocket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = options.KeepAliveInterval });
            socket.Attach(webSocket);
            await RunAsync(context, socket, webSocket, after, afterSeq, options, scopes, stopping);
        }
        finally
        {
            registry.Remove(socket);
            await WithScopeAsync(scopes, sp => sp.GetRequiredService<PresenceService>().DisconnectedAsync(userId, CancellationToken.None));
        }
    }

    private static async Task RunAsync(
        HttpContext context, ChatSocket socket, WebSocket webSocket, long? after, long? afterSeq, ChatTransportOptions options,
        IServiceScopeFactory scopes, CancellationToken stopping)
    {
        var session = new ChatSocketSession(
            socket, webSocket, scopes, context.RequestServices.GetRequiredService<ChatConnectionCommands>(), options,
            context.RequestServices.GetRequiredService<ILogger<ChatSocketSession>>());

        var metrics = context.RequestServices.GetRequiredService<ChatEngineMetrics>();
        await session.RunAsync("websocket", socket.RunWriterAsync(CancellationToken.None), metrics, stopping, context.RequestAborted, async () =>
        {
            if (afterSeq is { } seq)
            {
                await session.CatchUpFromLogAsync(socket, seq, context.RequestAborted);
            }
            else if (after is { } afterId)
            {
                await session.CatchUpAsync(socket, afterId, context.RequestAborted);
            }
        });
    }

    internal static async Task WithScopeAsync(IServiceScopeFactory scopes, Func<IServiceProvider, Task> work)
    {
        await using var scope = scopes.CreateAsyncScope();
        await work(scope.ServiceProvider);
    }
}

/// <summary>Where a socket session's answers go, and what it needs to know of its socket.</summary>
internal interface IChatFrameSink
{
    long UserId { get; }

    /// <summary>The chat every frame is about (<c>ws/chat/{id}/</c>), or <see langword="null"/> when each frame names its <c>chat_id</c> (<c>ws/user/</c>).</summary>
    long? ChatId { get; }

    void Enqueue(ReadOnlyMemory<byte> frame);

    void CompleteSending();

    /// <summary>Handles a frame type of this kind of socket alone (the user stream's watch); <see langword="false"/> for the rest.</summary>
    bool TryHandleOwnFrame(IncomingFrame frame);
}

/// <summary>
/// The receive side of one chat socket or user stream: reads frames one at a time and acts on them.
/// On a user stream each frame names its chat; membership is checked by every command.
/// </summary>
internal sealed partial class ChatSocketSession(
    IChatFrameSink socket,
    WebSocket webSocket,
    IServiceScopeFactory scopes,
    ChatConnectionCommands commands,
    ChatTransportOptions options,
    ILogger logger)
{
    // Sends (and read marks) of one socket still waiting for their commit. The socket keeps reading
    // meanwhile, so one client is not limited to one commit at a time, and sends enter the write queue
    // in frame order.
    private const int PipelinedSends = 32;

    // Held while a frame is being handled, so a shutdown waits for an in-flight send to finish.
    private readonly SemaphoreSlim _handling = new(1, 1);
    private readonly SemaphoreSlim _inFlight = new(PipelinedSends, PipelinedSends);
    private readonly ChatConnectionUser _user = new(socket.UserId);
    private volatile bool _stopping;
    private Task _marking = Task.CompletedTask; // The socket's last read mark (see MarkReadAfterAsync).

    /// <summary>
    /// Runs the socket: what it must send first (a catch-up, a sync), then its frames until the client
    /// closes it or the host stops (which lets the frame in hand finish), then the clean-up.
    /// </summary>
    public async Task RunAsync(string transport, Task writer, ChatEngineMetrics metrics, CancellationToken stopping, CancellationToken aborted, Func<Task> sendFirst)
    {
        metrics.ConnectionOpened(transport);
        try
        {
            await sendFirst();
            using var onStopping = stopping.Register(() => _ = CloseForShutdownAsync(writer));
            await ReceiveAsync(aborted);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client went away; clean-up below is all there is to do.
        }
        finally
        {
            metrics.ConnectionClosed(transport);
            socket.CompleteSending();
            await writer;
            await CloseAsync();
        }
    }

    public async Task CatchUpAsync(ChatSocket socket, long afterMessageId, CancellationToken cancellationToken)
    {
        var last = afterMessageId;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var messaging = scope.ServiceProvider.GetRequiredService<MessagingService>();
            while (true)
            {
                var missed = await messaging.GetMessagesAfterAsync(socket.UserId, socket.ChatId, last, cancellationToken: cancellationToken);
                scope.ServiceProvider.GetRequiredService<ChatEngineMetrics>().CaughtUp(missed.Count);
                foreach (var message in missed)
                {
                    socket.Enqueue(JsonSerializer.SerializeToUtf8Bytes(MessageFrame.From(message, commands.Links), ChatJsonContext.Default.MessageFrame));
                    last = message.Message.Id;
                }

                if (missed.Count == 0 || socket.Overflowed)
                {
                    break;
                }
            }
        }
        catch (ChatException error)
        {
            // An after= of another chat, say: say so, and carry on with live traffic.
            SendError(error.Code, error.Message);
        }

        socket.FinishCatchUp(last);
    }

    /// <summary>
    /// Replays every change after <paramref name="afterSeq"/> in order, then <c>caught_up</c>; live
    /// events held meanwhile follow, less what the replay sent. When too much changed (<c>limited</c>),
    /// nothing is replayed and the client reloads.
    /// </summary>
    public async Task CatchUpFromLogAsync(ChatSocket socket, long afterSeq, CancellationToken cancellationToken)
    {
        var last = afterSeq;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var changes = scope.ServiceProvider.GetRequiredService<ChatChanges>();
            var metrics = scope.ServiceProvider.GetRequiredService<ChatEngineMetrics>();
            while (true)
            {
                var page = await changes.GetChangesAsync(socket.UserId, socket.ChatId, last, cancellationToken: cancellationToken);
                metrics.CaughtUp(page.Events.Count);
                foreach (var change in page.Events)
                {
                    socket.Enqueue(ChatEventFanOut.ToBroadcast(change, commands.Links)!.Frame);
                }

                last = page.Seq;
                if (!page.HasMore || page.Limited || socket.Overflowed)
                {
                    if (!page.Limited)
                    {
                        foreach (var read in await changes.GetReadsSinceAsync(socket.UserId, socket.ChatId, afterSeq, cancellationToken))
                        {
                            socket.Enqueue(ChatEventFanOut.ToBroadcast(read, commands.Links)!.Frame);
                        }
                    }

                    socket.Enqueue(JsonSerializer.SerializeToUtf8Bytes(new CaughtUpFrame(socket.ChatId, page.Seq, page.Limited), ChatJsonContext.Default.CaughtUpFrame));
                    break;
                }
            }
        }
        catch (ChatException error)
        {
            SendError(error.Code, error.Message);
        }

        socket.FinishCatchUpToSeq(last);
    }

    public async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        using var reader = new WebSocketFrameReader(webSocket, options.MaxFrameBytes);
        while (webSocket.State == WebSocketState.Open)
        {
            var read = await reader.ReadAsync(cancellationToken);
            if (read == FrameRead.Closed)
            {
                return;
            }

            await _handling.WaitAsync(CancellationToken.None);
            try
            {
                if (_stopping)
                {
                    return; // Not acknowledged: the client retries it on another server.
                }

                switch (read)
                {
                    case FrameRead.TooLarge:
                        SendError(ChatErrorCodes.FrameTooLarge, $"Frames must be at most {options.MaxFrameBytes} bytes.");
                        break;
                    case FrameRead.Binary:
                        SendError(ChatErrorCodes.UnsupportedFrame, "Send JSON text frames.");
                        break;
                    default:
                        await HandleFrameAsync(reader.Frame);
                        break;
                }
            }
            finally
            {
                _handling.Release();
            }
        }
    }

    /// <summary>
    /// On shutdown: let the frame in hand finish (committed and delivered, or failed), send what is
    /// queued, then close; the client reconnects elsewhere and catches up.
    /// </summary>
    public async Task CloseForShutdownAsync(Task writer)
    {
        await _handling.WaitAsync(CancellationToken.None);
        _stopping = true;
        _handling.Release();
        for (var i = 0; i < PipelinedSends; i++)
        {
            await _inFlight.WaitAsync(CancellationToken.None);
        }

        socket.CompleteSending();
        await writer;
        await CloseAsync();
    }

    public async Task CloseAsync()
    {
        try
        {
            if (webSocket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                var status = _stopping ? WebSocketCloseStatus.EndpointUnavailable : WebSocketCloseStatus.NormalClosure;
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await webSocket.CloseOutputAsync(status, _stopping ? "Server shutting down" : null, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Already gone.
        }
    }

    private async Task HandleFrameAsync(ReadOnlyMemory<byte> utf8)
    {
        IncomingFrame? frame;
        try
        {
            frame = JsonSerializer.Deserialize(utf8.Span, ChatJsonContext.Default.IncomingFrame);
        }
        catch (JsonException)
        {
            SendError(ChatErrorCodes.InvalidJson, "The frame is not valid JSON.");
            return;
        }

        try
        {
            if (frame is not null && socket.TryHandleOwnFrame(frame))
            {
                return;
            }

            var chatId = socket.ChatId ?? frame?.ChatId
                ?? throw new ChatException(ChatErrorKind.Validation, ChatErrorCodes.InvalidFrame, "A frame on the user stream needs chat_id.");
            if (frame?.Type == "message")
            {
                await StartSendAsync(chatId, frame);
                return;
            }

            if (frame?.Type == "read")
            {
                if (frame.UpTo is not { } upTo)
                {
                    SendError(ChatErrorCodes.InvalidFrame, "A read frame needs up_to, a message id.");
                    return;
                }

                await _inFlight.WaitAsync(CancellationToken.None);
                _marking = MarkReadAfterAsync(_marking, chatId, upTo, frame.ClientId);
                return;
            }

            await using var scope = scopes.CreateAsyncScope();
            switch (frame?.Type)
            {
                case "typing":
                    await commands.TypingAsync(scope.ServiceProvider, _user, chatId, CancellationToken.None);
                    break;
                case "edit" or "delete" or "react" or "pin":
                    // Success is the change's event, which reaches every connection of the chat, this one included.
                    await ChangeMessageAsync(scope.ServiceProvider, chatId, frame);
                    break;
                default:
                    SendError(ChatErrorCodes.UnknownType, $"Unknown frame type '{frame?.Type}'. Use message, read, typing, edit, delete, react or pin.");
                    break;
            }
        }
        catch (ChatException error)
        {
            SendError(error.Code, error.Message, frame?.Type is "edit" or "delete" or "react" or "pin" ? frame.Id : null, frame?.ClientId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The store failed, say: this frame is not done, but the socket and its other frames go on.
            LogFrameFailed(logger, ex, socket.ChatId ?? frame?.ChatId ?? 0);
            SendError(ChatErrorCodes.StoreUnavailable, "The server could not process this frame; try again.");
        }
    }

    /// <summary>Checks a send now, in frame order, and lets its commit finish in the background.</summary>
    private async Task StartSendAsync(long chatId, IncomingFrame frame)
    {
        var scope = scopes.CreateAsyncScope();
        try
        {
            var prepared = await commands.PrepareSendAsync(
                scope.ServiceProvider, _user, chatId, new MessageContent(frame.Text, frame.ClientId, frame.ReplyTo, frame.Attachments), CancellationToken.None);
            await _inFlight.WaitAsync(CancellationToken.None);
            _ = FinishSendAsync(chatId, frame.ClientId, scope.ServiceProvider.GetRequiredService<MessagingService>().CommitAsync(prepared, CancellationToken.None), scope);
        }
        catch
        {
            await scope.DisposeAsync();
            throw;
        }
    }

    private async Task FinishSendAsync(long chatId, string? clientId, Task<SentMessage> commit, AsyncServiceScope scope)
    {
        try
        {
            var sent = await commit;
            if (!sent.Created)
            {
                // A retry: the first send was broadcast already; answer this socket so the client stops retrying.
                socket.Enqueue(JsonSerializer.SerializeToUtf8Bytes(MessageFrame.From(new MessageCommitted(sent.Message, sent.Sender) { Attachments = sent.Attachments }, commands.Links), ChatJsonContext.Default.MessageFrame));
            }
        }
        catch (ChatException error)
        {
            SendError(error.Code, error.Message, clientId: clientId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFrameFailed(logger, ex, chatId);
            SendError(ChatErrorCodes.StoreUnavailable, "The message could not be sent; try again.", clientId: clientId);
        }
        finally
        {
            _inFlight.Release();
            await scope.DisposeAsync();
        }
    }

    /// <summary>
    /// Marks the chat read once the socket's previous mark is done, so its marks apply (and their read
    /// events go out) in frame order, while the socket reads on: a mark waits for a batch of the write
    /// loop to commit, and a send behind it used to wait for that commit as well as its own. It holds
    /// one of the socket's in-flight places meanwhile, so a shutdown waits for it too.
    /// </summary>
    private async Task MarkReadAfterAsync(Task previous, long chatId, long upTo, string? clientId)
    {
        try
        {
            await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await using var scope = scopes.CreateAsyncScope();
            await commands.MarkReadAsync(scope.ServiceProvider, _user, chatId, upTo, CancellationToken.None);
        }
        catch (ChatException error)
        {
            SendError(error.Code, error.Message, clientId: clientId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFrameFailed(logger, ex, chatId);
            SendError(ChatErrorCodes.StoreUnavailable, "The server could not process this frame; try again.");
        }
        finally
        {
            _inFlight.Release();
        }
    }

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "A chat socket frame in chat {ChatId} failed.")]
    private static partial void LogFrameFailed(ILogger logger, Exception exception, long chatId);

    private Task ChangeMessageAsync(IServiceProvider services, long chatId, IncomingFrame frame)
    {
        if (frame.Id is not { } messageId)
        {
            throw new ChatException(ChatErrorKind.Validation, ChatErrorCodes.InvalidFrame, $"A {frame.Type} frame needs id, a message id.");
        }

        return frame.Type switch
        {
            "edit" => commands.EditAsync(services, _user, chatId, messageId, frame.Text, frame.ClientId, CancellationToken.None),
            "delete" => commands.DeleteAsync(services, _user, chatId, messageId, CancellationToken.None),
            "react" => commands.ReactAsync(services, _user, chatId, messageId, frame.Emoji, frame.On ?? true, CancellationToken.None),
            _ => commands.PinAsync(services, _user, chatId, messageId, frame.Pinned ?? true, CancellationToken.None),
        };
    }

    public void SendError(string code, string detail, long? messageId = null, string? clientId = null) =>
        socket.Enqueue(JsonSerializer.SerializeToUtf8Bytes(new ErrorFrame(code, detail) { Id = messageId, ClientId = clientId }, ChatJsonContext.Default.ErrorFrame));
}
