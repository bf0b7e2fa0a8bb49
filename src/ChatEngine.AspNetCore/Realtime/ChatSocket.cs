using System.Net.WebSockets;
using System.Threading.Channels;

namespace ChatEngine.AspNetCore;

/// <summary>
/// One raw WebSocket of one user in one chat, with a small bounded send queue and its own writer
/// loop, so a slow or dead client never holds up delivery to anyone else: when its queue overflows
/// it is dropped, and it reconnects with <c>?after_seq=</c> (or v1's <c>?after=</c>) to catch up without loss.
/// </summary>
internal sealed class ChatSocket : IChatFrameSink
{
    // A client that does not answer the close frame of a removal is dropped after this long.
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(5);

    private readonly TaskCompletionSource<WebSocket> _socket = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<ReadOnlyMemory<byte>> _outgoing;
    private readonly Lock _catchUpLock = new();
    private List<ChatBroadcast>? _heldDuringCatchUp;
    private readonly ChatEngineMetrics? _metrics;
    private volatile bool _sendingCompleted;
    private volatile bool _closeWhenSent;
    private string _closeReason = NotAMember;

    // The last change number a replay sent: live changes up to it are repeats.
    private long _replayedUpTo;

    /// <summary>
    /// Made before the upgrade, so it is registered before the client sees its socket open: nothing
    /// broadcast in between is missed. Frames queue until <see cref="Attach"/>. A v2 socket
    /// (<paramref name="receivesChanges"/>: <c>?v=2</c> or <c>?after_seq=</c>) gets every change event, not only v1's.
    /// </summary>
    public ChatSocket(long userId, long chatId, int queueCapacity, bool catchingUp, bool receivesChanges = false, ChatEngineMetrics? metrics = null)
    {
        _metrics = metrics;
        UserId = userId;
        ChatId = chatId;
        ReceivesChanges = receivesChanges;
        _outgoing = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(queueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _heldDuringCatchUp = catchingUp ? [] : null;
    }

    public long UserId { get; }

    public long ChatId { get; }

    long? IChatFrameSink.ChatId => ChatId;

    public bool ReceivesChanges { get; }

    public bool TryHandleOwnFrame(IncomingFrame frame) => false;

    /// <summary>Set when the socket was dropped for not keeping up.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>
    /// Queues a live event (change events for v2 sockets only). While the socket is still being sent
    /// what it missed, live events are held back, so history and live traffic meet without a gap or a
    /// duplicate.
    /// </summary>
    public void Deliver(ChatBroadcast broadcast)
    {
        // A user's own presence tells them nothing (and it is delivered on a lane of its own, so it
        // could reach the very connection that caused it).
        if ((broadcast.IsChange && !ReceivesChanges) || (broadcast.Kind == BroadcastKind.Status && broadcast.UserId == UserId))
        {
            return;
        }

        lock (_catchUpLock)
        {
            if (_heldDuringCatchUp is not null)
            {
                _heldDuringCatchUp.Add(broadcast);
                return;
            }

            if (broadcast.IsNumbered && broadcast.Seq <= _replayedUpTo)
            {
                return;
            }
        }

        Enqueue(broadcast.Frame);
    }

    /// <summary>Gives the accepted WebSocket to the socket's writer.</summary>
    public void Attach(WebSocket socket) => _socket.TrySetResult(socket);

    /// <summary>Queues a frame for this socket alone (catch-up, errors, acknowledgements of retries).</summary>
    public void Enqueue(ReadOnlyMemory<byte> frame)
    {
        if (!_outgoing.Writer.TryWrite(frame) && !Overflowed && !_sendingCompleted)
        {
            Overflowed = true;
            _metrics?.SendQueueOverflowed();
            _outgoing.Writer.TryComplete();
            Abort();
        }
    }

    /// <summary>Ends v1 catch-up: releases held live events, less the messages catch-up already sent.</summary>
    public void FinishCatchUp(long lastSentMessageId)
    {
        lock (_catchUpLock)
        {
            foreach (var held in _heldDuringCatchUp ?? [])
            {
                if (held.Kind != BroadcastKind.Message || held.MessageId > lastSentMessageId)
                {
                    Enqueue(held.Frame);
                }
            }

            _heldDuringCatchUp = null;
        }
    }

    /// <summary>
    /// Ends catch-up from the change log: releases held live events, less the changes the replay sent
    /// (up to <paramref name="replayedUpTo"/>), and drops those for good should they arrive later.
    /// </summary>
    public void FinishCatchUpToSeq(long replayedUpTo)
    {
        lock (_catchUpLock)
        {
            _replayedUpTo = replayedUpTo;
            foreach (var held in _heldDuringCatchUp ?? [])
            {
                if (!held.IsNumbered || held.Seq > replayedUpTo)
                {
                    Enqueue(held.Frame);
                }
            }

            _heldDuringCatchUp = null;
        }
    }

    /// <summary>The close reason when the user is no longer a member of the chat.</summary>
    public const string NotAMember = "No longer a member of this chat";

    /// <summary>The close reason when the user's sign-ins ended.</summary>
    public const string SignedOut = "Signed out";

    /// <summary>
    /// Sends what is queued (the removal or deletion that ends it last), then closes with 1008: the
    /// user is no longer a member, or no longer signed in, so a client must not reconnect as it was.
    /// </summary>
    public void CloseAfterQueued(string reason = NotAMember)
    {
        _closeReason = reason;
        _closeWhenSent = true;
        CompleteSending();
    }

    /// <summary>Stops taking frames; the writer sends what is queued, then ends.</summary>
    public void CompleteSending()
    {
        _sendingCompleted = true;
        _outgoing.Writer.TryComplete();
    }

    public async Task RunWriterAsync(CancellationToken cancellationToken)
    {
        try
        {
            var socket = await _socket.Task.ConfigureAwait(false);
            await foreach (var frame in _outgoing.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            }

            if (_closeWhenSent && !Overflowed)
            {
                await CloseForPolicyAsync(socket, _closeReason).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away or the server is stopping; the reader loop sees it too and cleans up.
        }
    }

    /// <summary>
    /// Closes with 1008 and <paramref name="reason"/>, which tells a client not to reconnect as it was;
    /// a peer that never answers the close is dropped.
    /// </summary>
    internal static async Task CloseForPolicyAsync(WebSocket socket, string reason)
    {
        if (socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(CloseHandshakeTimeout);
            await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, reason, timeout.Token).ConfigureAwait(false);
            _ = Task.Delay(CloseHandshakeTimeout, CancellationToken.None).ContinueWith(_ => socket.Abort(), TaskScheduler.Default);
        }
    }

    /// <summary>Drops the connection (now, or as soon as it is accepted).</summary>
    public void Abort() => _ = _socket.Task.ContinueWith(t => t.Result.Abort(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
