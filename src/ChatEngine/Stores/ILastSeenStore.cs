namespace ChatEngine;

/// <summary>Persists when users were last seen online.</summary>
public interface ILastSeenStore
{
    /// <summary>Records that the user was last seen at <paramref name="lastSeenAt"/>.</summary>
    Task SetLastSeenAsync(long userId, DateTimeOffset lastSeenAt, CancellationToken cancellationToken);

    /// <summary>The last-seen times of the given users; users never seen are absent.</summary>
    Task<IReadOnlyDictionary<long, DateTimeOffset>> GetLastSeenAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken);
}
