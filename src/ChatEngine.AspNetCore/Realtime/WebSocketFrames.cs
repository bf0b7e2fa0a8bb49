using System.Buffers;
using System.Net.WebSockets;

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
/// </summary>
internal sealed class WebSocketFrameReader(WebSocket socket, int maxBytes) : IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes, 16 * 1024));

    public ReadOnlyMemory<byte> Frame { get; private set; }

    public async Task<FrameRead> ReadAsync(CancellationToken cancellationToken)
    {
        var length = 0;
        var tooLarge = false;
        while (true)
        {
            var capacity = Math.Min(_buffer.Length, maxBytes);
            if (length == capacity && !tooLarge)
            {
                if (capacity >= maxBytes)
                {
                    tooLarge = true;
                }
                else
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes, _buffer.Length * 2));
                    _buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(_buffer);
                    _buffer = larger;
                    capacity = Math.Min(_buffer.Length, maxBytes);
                }
            }

            // Past the limit the rest of the message is read into the buffer and thrown away.
            var target = tooLarge ? _buffer.AsMemory() : _buffer.AsMemory(length, capacity - length);
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

                Frame = _buffer.AsMemory(0, length);
                return result.MessageType == WebSocketMessageType.Binary ? FrameRead.Binary : FrameRead.Frame;
            }
        }
    }

    public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);
}
