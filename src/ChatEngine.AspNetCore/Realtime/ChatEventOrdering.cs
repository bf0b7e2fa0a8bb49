using System.Collections.Concurrent;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Delivers each chat's numbered changes (messages and the rest) in <c>seq</c> order, exactly once,
/// whichever host committed them: the one owner of ordering for this host's changes and those relayed
/// from others. Broadcasts can arrive a hair out of order (delivery lanes, or two hosts publishing to
/// Redis); numbers are gapless per chat, so a change that runs ahead is held until the one before it
/// arrives. The first time a chat is seen, its changes settle briefly before the lowest one anchors
/// the order (a chat's creation, change 1, anchors it at once). A gap that does not fill by itself
/// (its broadcast was lost with a dead process or while Redis was down) is read from the change log;
/// only if that fails too is it skipped, and clients close it with catch-up. Each chat has a lock
/// of its own: a slow delivery in one chat holds up that chat alone.
/// </summary>
internal sealed class ChatEventOrdering(TimeProvider time, ChatEventOrdering.MissedMessages readMissed, Func<long, bool> isWatched)
{
    /// <summary>Reads the deliveries of a chat's changes numbered in [from, until), oldest first.</summary>
    public delegate Task<IReadOnlyList<(long Sequence, Action Deliver)>> MissedMessages(long chatId, long from, long until);

    private static readonly TimeSpan GapTimeout = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan FirstSettle = TimeSpan.FromMilliseconds(25);
    private const int MaxRemembered = 1024;

    private const int FirstSweepAt = 1024;

    private readonly ConcurrentDictionary<long, ChatQueue> _chats = new();
    private readonly Lock _sweeping = new();
    private int _sweepAt = FirstSweepAt;

    /// <summary>How many chats are followed here (for tests).</summary>
    internal int TrackedChats => _chats.Count;

    public void Deliver(long chatId, long sequence, Action deliver)
    {
        while (true)
        {
            var queue = _chats.GetOrAdd(chatId, static (_, sequence) => new ChatQueue { Next = sequence, Anchor = sequence, Anchored = sequence == 1, IsNew = true }, sequence);
            lock (queue.Lock)
            {
                if (queue.Retired)
                {
                    continue; // Swept just now: the next turn finds or makes its successor.
                }

                DeliverLocked(chatId, queue, sequence, deliver);
            }

            SweepIfLarge();
            return;
        }
    }

    private void DeliverLocked(long chatId, ChatQueue queue, long sequence, Action deliver)
    {
        if (queue.IsNew)
        {
            queue.IsNew = false;
            if (!queue.Anchored)
            {
                queue.Held[sequence] = deliver;
                queue.GapTimerRunning = true;
                _ = AnchorLaterAsync(chatId, queue);
                return;
            }
        }

        if (!queue.Anchored)
        {
            queue.Held[sequence] = deliver;
            return;
        }

        if (sequence < queue.Next)
        {
            // Below the anchor (it ran late while the chat was first seen here), or skipped for good
            // earlier: never delivered, so better late than lost. Otherwise it was delivered already
            // (read from the store while its broadcast was late): drop the repeat.
            if (sequence < queue.Anchor || queue.Skipped.Remove(sequence))
            {
                deliver();
            }

            return;
        }

        queue.Held[sequence] = deliver;
        if (!DrainLocked(queue))
        {
            StartGapTimerLocked(chatId, queue);
        }
    }

    /// <summary>
    /// Reads from the store what every chat seen here missed since its last delivered change, for
    /// when broadcasts may have been lost (Redis came back after an outage).
    /// </summary>
    public async Task CatchUpAsync()
    {
        var chats = new List<(long ChatId, ChatQueue Queue, long Next)>();
        foreach (var (chatId, queue) in _chats)
        {
            lock (queue.Lock)
            {
                if (queue.Anchored && !queue.Retired && isWatched(chatId))
                {
                    chats.Add((chatId, queue, queue.Next));
                }
            }
        }

        foreach (var (chatId, queue, next) in chats)
        {
            await FillAsync(chatId, queue, next, long.MaxValue).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Forgets settled chats nobody here watches, once the map has doubled since the last sweep, so a
    /// long-running host does not keep an entry for every chat it ever relayed. A chat seen again
    /// anchors afresh; watched chats are kept, so their gaps can still be read from the store.
    /// </summary>
    private void SweepIfLarge()
    {
        if (_chats.Count < Volatile.Read(ref _sweepAt) || !_sweeping.TryEnter())
        {
            return;
        }

        try
        {
            foreach (var (chatId, queue) in _chats)
            {
                lock (queue.Lock)
                {
                    if (queue.Anchored && queue.Held.Count == 0 && !queue.GapTimerRunning && !isWatched(chatId))
                    {
                        queue.Retired = true;
                        _chats.TryRemove(KeyValuePair.Create(chatId, queue));
                    }
                }
            }

            Volatile.Write(ref _sweepAt, Math.Max(FirstSweepAt, _chats.Count * 2));
        }
        finally
        {
            _sweeping.Exit();
        }
    }

    private void StartGapTimerLocked(long chatId, ChatQueue queue)
    {
        if (!queue.GapTimerRunning)
        {
            queue.GapTimerRunning = true;
            _ = CloseGapLaterAsync(chatId, queue);
        }
    }

    private async Task AnchorLaterAsync(long chatId, ChatQueue queue)
    {
        await Task.Delay(FirstSettle, time).ConfigureAwait(false);
        lock (queue.Lock)
        {
            queue.Anchored = true;
            queue.GapTimerRunning = false;
            queue.Next = queue.Anchor = queue.Held.Keys[0];
            if (!DrainLocked(queue))
            {
                StartGapTimerLocked(chatId, queue);
            }
        }
    }

    private async Task CloseGapLaterAsync(long chatId, ChatQueue queue)
    {
        await Task.Delay(GapTimeout, time).ConfigureAwait(false);
        long from, until;
        lock (queue.Lock)
        {
            if (queue.Held.Count == 0 || queue.Held.ContainsKey(queue.Next))
            {
                queue.GapTimerRunning = false;
                if (!DrainLocked(queue))
                {
                    StartGapTimerLocked(chatId, queue);
                }

                return;
            }

            (from, until) = (queue.Next, queue.Held.Keys[0]);
        }

        await FillAsync(chatId, queue, from, until).ConfigureAwait(false);
        lock (queue.Lock)
        {
            queue.GapTimerRunning = false;
            if (queue.Held.Count > 0 && !queue.Held.ContainsKey(queue.Next))
            {
                // The store could not say either: skip the gap, remembering it in case its broadcast turns up.
                for (var sequence = queue.Next; sequence < queue.Held.Keys[0] && queue.Skipped.Count < MaxRemembered; sequence++)
                {
                    queue.Skipped.Add(sequence);
                }

                queue.Next = queue.Held.Keys[0];
            }

            if (!DrainLocked(queue))
            {
                StartGapTimerLocked(chatId, queue);
            }
        }
    }

    private async Task FillAsync(long chatId, ChatQueue queue, long from, long until)
    {
        IReadOnlyList<(long Sequence, Action Deliver)> missed;
        try
        {
            missed = await readMissed(chatId, from, until).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The store being down must not stop delivery of what is already here.
        catch (Exception)
#pragma warning restore CA1031
        {
            return;
        }

        lock (queue.Lock)
        {
            foreach (var (sequence, deliver) in missed)
            {
                if (sequence >= queue.Next)
                {
                    queue.Held.TryAdd(sequence, deliver);
                }
            }

            DrainLocked(queue);
        }
    }

    /// <summary>Delivers every held message that is next in line; returns whether nothing is left waiting.</summary>
    private static bool DrainLocked(ChatQueue queue)
    {
        while (queue.Held.Remove(queue.Next, out var deliver))
        {
            deliver();
            queue.Next++;
        }

        return queue.Held.Count == 0;
    }

    private sealed class ChatQueue
    {
        public Lock Lock { get; } = new();

        /// <summary>Made by the Deliver call that has not handled its first message yet.</summary>
        public bool IsNew { get; set; }

        /// <summary>Swept away: a Deliver call that got it just before finds its successor instead.</summary>
        public bool Retired { get; set; }

        public long Next { get; set; }

        public SortedList<long, Action> Held { get; } = [];

        public HashSet<long> Skipped { get; } = [];

        public bool GapTimerRunning { get; set; }

        /// <summary>The first sequence delivered in order here; nothing below it was delivered.</summary>
        public long Anchor { get; set; }

        /// <summary>Whether <see cref="Next"/> is known; until then changes only gather.</summary>
        public bool Anchored { get; set; }
    }
}
