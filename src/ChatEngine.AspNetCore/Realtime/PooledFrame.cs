using System.Buffers;
using System.Net.WebSockets;

namespace ChatEngine.AspNetCore;

/// <summary>
/// One client frame held in pooled 64 KiB segments rather than one large array: a large frame then
/// needs no contiguous block and no copy as it grows, and every segment goes back to the pool when
/// the frame has been handled (a 13 MB array would sit in the shared pool, or in the large object
/// heap, long after the file it carried).
/// </summary>
internal sealed class PooledFrame : IDisposable
{
    private const int SegmentBytes = 64 * 1024;

    private readonly List<byte[]> _segments = [];
    private long _length;

    public long Length => _length;

    /// <summary>
    /// Reads the rest of the current message (its start has been seen) up to <paramref name="maxBytes"/>.
    /// Returns false when it was longer; the rest was read and dropped, so the socket stays usable.
    /// </summary>
    public async Task<(bool Fits, bool Closed)> ReadAsync(WebSocket socket, long maxBytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_segments.Count == 0 || _length == (long)_segments.Count * SegmentBytes)
            {
                if (_length >= maxBytes)
                {
                    return (false, await DrainAsync(socket, cancellationToken).ConfigureAwait(false));
                }

                _segments.Add(ArrayPool<byte>.Shared.Rent(SegmentBytes));
            }

            var segment = _segments[^1];
            var offset = (int)(_length % SegmentBytes);
            var result = await socket.ReceiveAsync(segment.AsMemory(offset, SegmentBytes - offset), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (false, true);
            }

            _length += result.Count;
            if (result.EndOfMessage)
            {
                return (_length <= maxBytes, false);
            }
        }
    }

    /// <summary>Reads the rest of the current message into a small scratch buffer and forgets it. Returns whether the socket closed.</summary>
    public static async Task<bool> DrainAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(SegmentBytes);
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(scratch.AsMemory(), cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return true;
                }

                if (result.EndOfMessage)
                {
                    return false;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>The frame's bytes, as a sequence over the segments (no copy).</summary>
    public ReadOnlySequence<byte> AsSequence()
    {
        if (_segments.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(_segments[0].AsMemory(0, (int)Math.Min(_length, SegmentBytes)), 0);
        var last = first;
        for (var i = 1; i < _segments.Count; i++)
        {
            var bytes = (int)Math.Min(_length - ((long)i * SegmentBytes), SegmentBytes);
            last = last.Append(_segments[i].AsMemory(0, bytes));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    public void Dispose()
    {
        foreach (var segment in _segments)
        {
            ArrayPool<byte>.Shared.Return(segment);
        }

        _segments.Clear();
        _length = 0;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
