using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;

namespace ChatEngine.AspNetCore;

/// <summary>What reading one client frame gave.</summary>
internal enum FrameRead
{
    Frame,
    TooLarge,
    Binary,
    Closed,
}

/// <summary>
/// Reads whole WebSocket messages up to a size limit into a pooled buffer. An oversized message is
/// read to its end and dropped, so the connection stays usable and the client gets an error frame.
/// An idle socket holds no buffer: it waits with a zero-byte read (as SignalR does) and rents one only
/// when a message arrives, so ten thousand idle sockets do not pin ten thousand buffers.
/// A read reuses a pooled state machine rather than allocating one per frame (a socket reads one
/// frame at a time): a new one was garbage on every frame, and a young object that the socket's
/// long-lived receive loop pointed to, which each gen0 collection has to find through the card table.
/// </summary>
internal sealed class WebSocketFrameReader(WebSocket socket, int maxBytes) : IDisposable
{
    private const int InitialBytes = 4 * 1024;

    private byte[]? _buffer;

    public ReadOnlyMemory<byte> Frame { get; private set; }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<FrameRead> ReadAsync(CancellationToken cancellationToken)
    {
        ReleaseBuffer(); // The previous frame has been handled.
        var waited = await socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        if (waited.MessageType == WebSocketMessageType.Close)
        {
            return FrameRead.Closed;
        }

        if (waited.EndOfMessage)
        {
            Frame = ReadOnlyMemory<byte>.Empty;
            return waited.MessageType == WebSocketMessageType.Binary ? FrameRead.Binary : FrameRead.Frame;
        }

        var buffer = _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes, InitialBytes));
        var length = 0;
        var tooLarge = false;
        while (true)
        {
            var capacity = Math.Min(buffer.Length, maxBytes);
            if (length == capacity && !tooLarge)
            {
                if (capacity >= maxBytes)
                {
                    tooLarge = true;
                }
                else
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes, buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = _buffer = larger;
                    capacity = Math.Min(buffer.Length, maxBytes);
                }
            }

            // Past the limit the rest of the message is read into the buffer and thrown away.
            var target = tooLarge ? buffer.AsMemory() : buffer.AsMemory(length, capacity - length);
            var result = await socket.ReceiveAsync(target, cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return FrameRead.Closed;
            }

            if (!tooLarge)
            {
                length += result.Count;
            }

            if (result.EndOfMessage)
            {
                if (tooLarge)
                {
                    return FrameRead.TooLarge;
                }

                Frame = buffer.AsMemory(0, length);
                return result.MessageType == WebSocketMessageType.Binary ? FrameRead.Binary : FrameRead.Frame;
            }
        }
    }

    public void Dispose() => ReleaseBuffer();

    private void ReleaseBuffer()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            Frame = ReadOnlyMemory<byte>.Empty;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
