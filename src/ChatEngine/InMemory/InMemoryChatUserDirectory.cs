namespace ChatEngine.InMemory;

/// <summary>A user directory kept in memory, for tests and demos. Hosts with real users implement <see cref="IChatUserDirectory"/>.</summary>
public sealed class InMemoryChatUserDirectory : IChatUserDirectory
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, ChatUser> _byId = [];
    private readonly Dictionary<string, ChatUser> _byName = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Adds or replaces a user.</summary>
    public void Add(ChatUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        lock (_lock)
        {
            if (_byName.TryGetValue(user.UserName, out var existing) && existing.Id != user.Id)
            {
                throw new InvalidOperationException($"The user name '{user.UserName}' is taken.");
            }

            if (_byId.TryGetValue(user.Id, out var previous))
            {
                _byName.Remove(previous.UserName);
            }

            _byId[user.Id] = user;
            _byName[user.UserName] = user;
        }
    }

    /// <summary>Removes a user (their account was deleted): from then on they show as <see cref="ChatPrivacyOptions.DeletedUserName"/>.</summary>
    public bool Remove(long userId)
    {
        lock (_lock)
        {
            if (!_byId.Remove(userId, out var user))
            {
                return false;
            }

            _byName.Remove(user.UserName);
            return true;
        }
    }

    /// <inheritdoc />
    public Task<ChatUser?> FindByIdAsync(long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_byId.GetValueOrDefault(userId));
        }
    }

    /// <inheritdoc />
    public Task<ChatUser?> FindByUserNameAsync(string userName, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_byName.GetValueOrDefault(userName));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<long, ChatUser>> GetByIdsAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyDictionary<long, ChatUser> found = userIds.Distinct().Where(_byId.ContainsKey).ToDictionary(id => id, id => _byId[id]);
            return Task.FromResult(found);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatUser>> GetByUserNamesAsync(IReadOnlyCollection<string> userNames, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<ChatUser> found = userNames.Select(n => _byName.GetValueOrDefault(n)).OfType<ChatUser>().DistinctBy(u => u.Id).ToArray();
            return Task.FromResult(found);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatUser>> SearchAsync(string term, long excludedUserId, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<ChatUser> found = _byId.Values
                .Where(u => u.Id != excludedUserId && u.UserName.Contains(term, StringComparison.OrdinalIgnoreCase))
                .OrderBy(u => u.UserName, StringComparer.OrdinalIgnoreCase)
                .Take(limit)
                .ToArray();
            return Task.FromResult(found);
        }
    }
}
