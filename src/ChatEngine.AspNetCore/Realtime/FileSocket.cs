using System.Net.WebSockets;

namespace ChatEngine.AspNetCore;

/// <summary>
/// A <c>ws/file/{id}/</c> connection. Files are relayed, never stored; one send at a time per
/// socket, and a relay to a socket that is busy past a short wait is skipped rather than queued,
/// so large files cannot pile up in memory.
/// </summary>
internal sealed class FileSocket(long userId, long chatId)
{
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource<WebSocket> _socket = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long UserId { get; } = userId;

    public long ChatId { get; } = chatId;

    /// <summary>Gives the accepted WebSocket to the relay; it is registered before, so no file falls in between.</summary>
    public void Attach(WebSocket socket) => _socket.TrySetResult(socket);

    public async Task<bool> TrySendAsync(ReadOnlyMemory<byte> frame, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (!await _sendLock.WaitAsync(wait, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        try
        {
            var socket = await _socket.Task.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            return true;
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
