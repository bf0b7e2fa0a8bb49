namespace ChatEngine.LoadTest;

/// <summary>
/// What the load generator knows of each message it sent, in arrays of a few thousand entries.
/// Kept as objects (dictionary entries keyed by client id, a bag of latencies), this bookkeeping
/// survived every collection, so each of the generator's own collections copied all of it: pauses of
/// 30 to 70 ms in the middle of a run, which the run then measured as the server's latency.
/// A message is known by its sender's index and its number, the two halves of its client id.
/// </summary>
internal sealed class MessageLedger(int senders)
{
    private readonly ChunkedArray<Entry>[] _bySender = Enumerable.Range(0, senders).Select(_ => new ChunkedArray<Entry>()).ToArray();
    private readonly int[] _sentBySender = new int[senders];
    private long _sent;

    /// <summary>Messages sent (or about to be), warm-up included.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Records that the sender's message <paramref name="number"/> goes out now; numbers come in order.</summary>
    public void Sending(int sender, int number, long timestamp)
    {
        _bySender[sender].GetOrAdd(number).SentAt = timestamp;
        Volatile.Write(ref _sentBySender[sender], number + 1);
        Interlocked.Increment(ref _sent);
    }

    /// <summary>The entry of a message this generator sent, or a null reference for any other client id.</summary>
    public ref Entry Find(int sender, int number)
    {
        if ((uint)sender >= (uint)_bySender.Length || number < 0 || number >= Volatile.Read(ref _sentBySender[sender]))
        {
            return ref System.Runtime.CompilerServices.Unsafe.NullRef<Entry>();
        }

        return ref _bySender[sender].Get(number);
    }

    /// <summary>Every message sent, with its sender and number; read once the run is over.</summary>
    public IEnumerable<(int Sender, int Number, Entry Entry)> All()
    {
        for (var sender = 0; sender < _bySender.Length; sender++)
        {
            for (var number = 0; number < _sentBySender[sender]; number++)
            {
                yield return (sender, number, _bySender[sender].Get(number));
            }
        }
    }

    /// <summary>One message: when it was sent, how often it arrived, and whether its sender saw it (its acknowledgement).</summary>
    internal struct Entry
    {
        public long SentAt;            // Stopwatch ticks
        public int Deliveries;         // on the members' chat sockets
        public int StreamDeliveries;   // on the members' user streams
        public int Accepted;           // 1 once its own sender got it back
    }
}

/// <summary>
/// An array that grows by chunks allocated once and never moved, so entries can be updated in place
/// (by reference, with <see cref="Interlocked"/>) from several threads while it grows.
/// </summary>
internal sealed class ChunkedArray<T>
    where T : struct
{
    private const int ChunkBits = 12;
    private const int ChunkMask = (1 << ChunkBits) - 1;
    private readonly Lock _growing = new();
    private T[]?[] _chunks = new T[]?[4];   // Replaced by a longer copy as it grows; the chunks stay.

    /// <summary>The entry at <paramref name="index"/>, whose chunk exists.</summary>
    public ref T Get(int index) => ref Volatile.Read(ref _chunks)[index >> ChunkBits]![index & ChunkMask];

    /// <summary>The entry at <paramref name="index"/>, allocating its chunk the first time.</summary>
    public ref T GetOrAdd(int index)
    {
        var chunks = Volatile.Read(ref _chunks);
        var chunk = index >> ChunkBits < chunks.Length ? chunks[index >> ChunkBits] : null;
        return ref (chunk ?? AddChunk(index >> ChunkBits))[index & ChunkMask];
    }

    private T[] AddChunk(int position)
    {
        lock (_growing)
        {
            if (position >= _chunks.Length)
            {
                var longer = new T[]?[Math.Max(_chunks.Length * 2, position + 1)];
                _chunks.CopyTo(longer, 0);
                Volatile.Write(ref _chunks, longer);
            }

            return _chunks[position] ??= new T[1 << ChunkBits];
        }
    }
}

/// <summary>Values appended from several threads at once, into a <see cref="ChunkedArray{T}"/>.</summary>
internal sealed class AppendOnlyList<T>
    where T : struct
{
    private readonly ChunkedArray<T> _items = new();
    private int _count;

    public void Add(T value) => _items.GetOrAdd(Interlocked.Increment(ref _count) - 1) = value;

    /// <summary>A copy of the values; call once every writer is done.</summary>
    public T[] ToArray()
    {
        var copy = new T[Volatile.Read(ref _count)];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = _items.Get(i);
        }

        return copy;
    }
}
