using System.Buffers;
using System.Net.WebSockets;

namespace ChatEngine.AspNetCore;

/// <summary>
/// A <c>ws/file/{id}/</c> connection. Files are relayed, never stored; one send at a time per
/// socket, and a relay to a socket that is busy past a short wait is skipped rather than queued,
/// so large files cannot pile up in memory. A send that does not finish within the send timeout (a
/// recipient that stopped reading) aborts that socket: half a frame cannot be taken back.
/// </summary>
internal sealed class FileSocket(long userId, long chatId)
{
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource<WebSocket> _socket = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long UserId { get; } = userId;

    public long ChatId { get; } = chatId;

    /// <summary>Gives the accepted WebSocket to the relay; it is registered before, so no file falls in between.</summary>
    public void Attach(WebSocket socket) => _socket.TrySetResult(socket);

    public Task<bool> TrySendAsync(ReadOnlyMemory<byte> frame, TimeSpan wait, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken) =>
        TrySendAsync(frame, ReadOnlySequence<byte>.Empty, ReadOnlyMemory<byte>.Empty, wait, timeout, time, cancellationToken);

    /// <summary>Sends one text message made of <paramref name="head"/>, <paramref name="body"/> and <paramref name="tail"/>, without joining them.</summary>
    public async Task<bool> TrySendAsync(
        ReadOnlyMemory<byte> head, ReadOnlySequence<byte> body, ReadOnlyMemory<byte> tail, TimeSpan wait, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!await _sendLock.WaitAsync(wait, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        WebSocket? socket = null;
        try
        {
            socket = await _socket.Task.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            using var deadline = new CancellationTokenSource(timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
            var last = body.IsEmpty && tail.IsEmpty;
            await socket.SendAsync(head, WebSocketMessageType.Text, last, linked.Token).ConfigureAwait(false);
            foreach (var part in body)
            {
                await socket.SendAsync(part, WebSocketMessageType.Text, endOfMessage: false, linked.Token).ConfigureAwait(false);
            }

            if (!last)
            {
                await socket.SendAsync(tail, WebSocketMessageType.Text, endOfMessage: true, linked.Token).ConfigureAwait(false);
            }

            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Stalled past the timeout, mid-frame: the socket cannot be used any more.
            socket?.Abort();
            return false;
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or TimeoutException)
        {
            return false;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public void Abort() => _ = _socket.Task.ContinueWith(t => t.Result.Abort(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
