using System.Net.WebSockets;
using System.Threading.Channels;

namespace ChatEngine.AspNetCore;

/// <summary>
/// One raw WebSocket of one user in one chat, with a small bounded send queue and its own writer
/// loop, so a slow or dead client never holds up delivery to anyone else: when its queue overflows
/// it is dropped, and it reconnects with <c>?after=</c> to catch up without loss.
/// </summary>
internal sealed class ChatSocket
{
    private readonly TaskCompletionSource<WebSocket> _socket = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<ReadOnlyMemory<byte>> _outgoing;
    private readonly Lock _catchUpLock = new();
    private List<(ReadOnlyMemory<byte> Frame, long? MessageId)>? _heldDuringCatchUp;
    private readonly ChatEngineMetrics? _metrics;
    private volatile bool _sendingCompleted;

    /// <summary>
    /// Made before the upgrade, so it is registered before the client sees its socket open: nothing
    /// broadcast in between is missed. Frames queue until <see cref="Attach"/>.
    /// </summary>
    public ChatSocket(long userId, long chatId, int queueCapacity, bool catchingUp, ChatEngineMetrics? metrics = null)
    {
        _metrics = metrics;
        UserId = userId;
        ChatId = chatId;
        _outgoing = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(queueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _heldDuringCatchUp = catchingUp ? [] : null;
    }

    public long UserId { get; }

    public long ChatId { get; }

    /// <summary>Set when the socket was dropped for not keeping up.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>
    /// Queues a live event. While the socket is still being sent the messages it missed, live events
    /// are held back, so history and live traffic meet without a gap or a duplicate.
    /// </summary>
    public void Deliver(ReadOnlyMemory<byte> frame, long? messageId = null)
    {
        lock (_catchUpLock)
        {
            if (_heldDuringCatchUp is not null)
            {
                _heldDuringCatchUp.Add((frame, messageId));
                return;
            }
        }

        Enqueue(frame);
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

    /// <summary>Ends catch-up: releases held live events, less the messages catch-up already sent.</summary>
    public void FinishCatchUp(long lastSentMessageId)
    {
        lock (_catchUpLock)
        {
            foreach (var (frame, messageId) in _heldDuringCatchUp ?? [])
            {
                if (messageId is null || messageId > lastSentMessageId)
                {
                    Enqueue(frame);
                }
            }

            _heldDuringCatchUp = null;
        }
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
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away or the server is stopping; the reader loop sees it too and cleans up.
        }
    }

    /// <summary>Drops the connection (now, or as soon as it is accepted).</summary>
    public void Abort() => _ = _socket.Task.ContinueWith(t => t.Result.Abort(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
