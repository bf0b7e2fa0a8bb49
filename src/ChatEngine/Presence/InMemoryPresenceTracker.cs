namespace ChatEngine;

/// <summary>Connection counts in this process: right for a single host.</summary>
internal sealed class InMemoryPresenceTracker : IPresenceTracker
{
    private readonly Dictionary<long, int> _connections = [];
    private readonly Lock _lock = new();

    public ValueTask<bool> ConnectAsync(long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _connections.TryGetValue(userId, out var count);
            _connections[userId] = count + 1;
            return ValueTask.FromResult(count == 0);
        }
    }

    public ValueTask<bool> DisconnectAsync(long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_connections.TryGetValue(userId, out var count))
            {
                return ValueTask.FromResult(false);
            }

            if (count > 1)
            {
                _connections[userId] = count - 1;
                return ValueTask.FromResult(false);
            }

            _connections.Remove(userId);
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<IReadOnlySet<long>> GetOnlineAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
    {
        var online = new HashSet<long>();
        lock (_lock)
        {
            foreach (var id in userIds)
            {
                if (_connections.ContainsKey(id))
                {
                    online.Add(id);
                }
            }
        }

        return ValueTask.FromResult<IReadOnlySet<long>>(online);
    }
}
