namespace ChatEngine.AspNetCore;

/// <summary>
/// Delivers each chat's messages in sequence order. Senders are answered concurrently once their
/// batch commits, so their broadcasts can arrive here a hair out of order; sequences are gapless per
/// chat, so a message that runs ahead is held until the one before it arrives. The first time a
/// chat is seen, its messages settle briefly before the lowest one anchors the order (a chat's very
/// first message anchors it at once). A gap that never fills (its sender's process died between
/// commit and broadcast) is skipped after a short wait; clients close it with catch-up.
/// </summary>
internal sealed class ChatEventOrdering(TimeProvider time)
{
    private static readonly TimeSpan GapTimeout = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan FirstSettle = TimeSpan.FromMilliseconds(25);

    private readonly Dictionary<long, ChatQueue> _chats = [];
    private readonly Lock _lock = new();

    public void Deliver(long chatId, long sequence, Action deliver)
    {
        lock (_lock)
        {
            if (!_chats.TryGetValue(chatId, out var queue))
            {
                _chats[chatId] = queue = new ChatQueue { Next = sequence, Anchored = sequence == 1 };
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
                deliver(); // Late after a skipped gap: better out of order than lost.
                return;
            }

            queue.Held[sequence] = deliver;
            if (!DrainLocked(queue) && !queue.GapTimerRunning)
            {
                queue.GapTimerRunning = true;
                _ = SkipGapLaterAsync(chatId, queue);
            }
        }
    }

    private async Task AnchorLaterAsync(long chatId, ChatQueue queue)
    {
        await Task.Delay(FirstSettle, time).ConfigureAwait(false);
        lock (_lock)
        {
            queue.Anchored = true;
            queue.GapTimerRunning = false;
            queue.Next = queue.Held.Keys[0];
            if (!DrainLocked(queue) && !queue.GapTimerRunning)
            {
                queue.GapTimerRunning = true;
                _ = SkipGapLaterAsync(chatId, queue);
            }
        }
    }

    private async Task SkipGapLaterAsync(long chatId, ChatQueue queue)
    {
        await Task.Delay(GapTimeout, time).ConfigureAwait(false);
        lock (_lock)
        {
            queue.GapTimerRunning = false;
            if (queue.Held.Count > 0 && !queue.Held.ContainsKey(queue.Next))
            {
                queue.Next = queue.Held.Keys[0];
            }

            if (!DrainLocked(queue) && !queue.GapTimerRunning)
            {
                queue.GapTimerRunning = true;
                _ = SkipGapLaterAsync(chatId, queue);
            }
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
        public long Next { get; set; }

        public SortedList<long, Action> Held { get; } = [];

        public bool GapTimerRunning { get; set; }

        /// <summary>Whether <see cref="Next"/> is known; until then messages only gather.</summary>
        public bool Anchored { get; set; }
    }
}
