namespace ChatEngine;

/// <summary>Push subscriptions for the in-memory store.</summary>
public sealed class InMemoryPushSubscriptionStore : IChatPushSubscriptionStore
{
    private readonly Lock _lock = new();
    private readonly List<ChatPushSubscription> _subscriptions = [];
    private long _nextId;

    /// <inheritdoc />
    public Task<(long Id, bool Created)> SaveAsync(ChatPushSubscription subscription, int maxPerUser, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        lock (_lock)
        {
            var index = _subscriptions.FindIndex(s => s.UserId == subscription.UserId && s.Endpoint == subscription.Endpoint);
            if (index >= 0)
            {
                _subscriptions[index] = subscription with { Id = _subscriptions[index].Id, CreatedAt = _subscriptions[index].CreatedAt };
                return Task.FromResult((_subscriptions[index].Id, false));
            }

            var stored = subscription with { Id = ++_nextId };
            _subscriptions.Add(stored);
            foreach (var oldest in _subscriptions.Where(s => s.UserId == subscription.UserId).OrderByDescending(s => s.Id).Skip(maxPerUser).ToArray())
            {
                _subscriptions.Remove(oldest);
            }

            return Task.FromResult((stored.Id, true));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatPushSubscription>> GetForUsersAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ChatPushSubscription>>(_subscriptions.Where(s => userIds.Contains(s.UserId)).ToArray());
        }
    }

    /// <inheritdoc />
    public Task<ChatPushSubscription?> FindAsync(long id, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_subscriptions.FirstOrDefault(s => s.Id == id));
        }
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(long id, long? userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_subscriptions.RemoveAll(s => s.Id == id && (userId is null || s.UserId == userId)) > 0);
        }
    }
}
