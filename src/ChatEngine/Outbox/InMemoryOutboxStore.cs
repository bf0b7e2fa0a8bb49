namespace ChatEngine;

/// <summary>The outbox for the in-memory store: a list under a lock (it has no transactions, so deliveries are kept as they are added).</summary>
public sealed class InMemoryOutboxStore : IChatOutboxStore
{
    private readonly Lock _lock = new();
    private readonly List<(OutboxMessage Message, DateTimeOffset LeasedUntil)> _messages = [];
    private long _nextId;

    /// <inheritdoc />
    public Task AddAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        lock (_lock)
        {
            foreach (var message in messages)
            {
                _messages.Add((message with { Id = ++_nextId }, DateTimeOffset.MinValue));
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<OutboxMessage>> ClaimDueAsync(string kind, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var claimed = new List<OutboxMessage>();
            for (var i = 0; i < _messages.Count && claimed.Count < limit; i++)
            {
                var (message, leasedUntil) = _messages[i];
                if (message.Kind == kind && message.State == OutboxState.Pending && message.DueAt <= now && leasedUntil < now)
                {
                    var attempt = message with { Attempts = message.Attempts + 1 };
                    _messages[i] = (attempt, leaseUntil);
                    claimed.Add(attempt);
                }
            }

            return Task.FromResult<IReadOnlyList<OutboxMessage>>(claimed);
        }
    }

    /// <inheritdoc />
    public Task CompleteAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        lock (_lock)
        {
            foreach (var message in messages)
            {
                // Only the newest claim's outcome: an older one's host outlived its lease.
                var index = _messages.FindIndex(m => m.Message.Id == message.Id && m.Message.Attempts == message.Attempts);
                if (index >= 0)
                {
                    _messages[index] = (message, DateTimeOffset.MinValue);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ReleaseAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        lock (_lock)
        {
            foreach (var message in messages)
            {
                var index = _messages.FindIndex(m => m.Message.Id == message.Id && m.Message.Attempts == message.Attempts
                    && m.Message.State == OutboxState.Pending && m.LeasedUntil != DateTimeOffset.MinValue);
                if (index >= 0)
                {
                    _messages[index] = (_messages[index].Message with { Attempts = message.Attempts - 1 }, DateTimeOffset.MinValue);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, DateTimeOffset>> FindPendingAsync(string kind, IReadOnlyCollection<string> targets, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyDictionary<string, DateTimeOffset>>(_messages.Select(m => m.Message)
                .Where(m => m.Kind == kind && m.State == OutboxState.Pending && targets.Contains(m.Target))
                .GroupBy(m => m.Target).ToDictionary(g => g.Key, g => g.Min(m => m.DueAt), StringComparer.Ordinal));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlySet<string>> FindExistingAsync(IReadOnlyCollection<string> deliveryIds, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlySet<string>>(_messages.Select(m => m.Message.DeliveryId).Where(deliveryIds.Contains).ToHashSet(StringComparer.Ordinal));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<OutboxMessage>> GetRecentAsync(string kind, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<OutboxMessage>>(
                _messages.Select(m => m.Message).Where(m => m.Kind == kind).OrderByDescending(m => m.Id).Take(limit).ToArray());
        }
    }
}
