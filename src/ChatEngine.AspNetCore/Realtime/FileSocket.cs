using System.Net.WebSockets;

namespace ChatEngine.AspNetCore;

/// <summary>
/// A <c>ws/file/{id}/</c> connection. Files are relayed, never stored; one send at a time per
/// socket, and a relay to a socket that is busy past a short wait is skipped rather than queued,
/// so large files cannot pile up in memory.
/// </summary>
internal sealed class FileSocket(WebSocket socket, long userId, long chatId)
{
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    public long UserId { get; } = userId;

    public long ChatId { get; } = chatId;

    public async Task<bool> TrySendAsync(ReadOnlyMemory<byte> frame, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (!await _sendLock.WaitAsync(wait, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        try
        {
            await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public void Abort() => socket.Abort();
}
