using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>
/// At most one <c>typing</c> per user and chat is delivered in each <see cref="ChatTransportOptions.TypingInterval"/>,
/// whichever connections and transports the frames came from; the rest are dropped silently (a
/// client sends one per keystroke, and each delivered one reaches every member's connections).
/// </summary>
internal sealed class TypingGate(TimeProvider time, IOptions<ChatTransportOptions> options)
{
    private const int PruneAbove = 100_000;

    private readonly TimeSpan _interval = options.Value.TypingInterval;
    private readonly ConcurrentDictionary<(long UserId, long ChatId), DateTimeOffset> _lastPassed = new();

    public bool TryPass(long userId, long chatId)
    {
        var now = time.GetUtcNow();
        var key = (userId, chatId);
        while (true)
        {
            if (!_lastPassed.TryGetValue(key, out var last))
            {
                if (_lastPassed.TryAdd(key, now))
                {
                    PruneIfLarge(now);
                    return true;
                }

                continue;
            }

            if (now - last < _interval)
            {
                return false;
            }

            // Of racing frames, the one that moves the time on passes.
            if (_lastPassed.TryUpdate(key, now, last))
            {
                return true;
            }
        }
    }

    private void PruneIfLarge(DateTimeOffset now)
    {
        if (_lastPassed.Count <= PruneAbove)
        {
            return;
        }

        foreach (var (key, last) in _lastPassed)
        {
            if (now - last >= _interval)
            {
                _lastPassed.TryRemove(key, out _);
            }
        }
    }
}
