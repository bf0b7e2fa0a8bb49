namespace ChatEngine;

/// <summary>
/// Counts live connections per user across every transport and tab. In-memory for one host; a
/// shared implementation (for example Redis leases) serves several hosts.
/// </summary>
public interface IPresenceTracker
{
    /// <summary>Counts one more connection; returns <see langword="true"/> when it is the user's first (they came online).</summary>
    ValueTask<bool> ConnectAsync(long userId, CancellationToken cancellationToken);

    /// <summary>Counts one connection less; returns <see langword="true"/> when it was the user's last (they went offline).</summary>
    ValueTask<bool> DisconnectAsync(long userId, CancellationToken cancellationToken);

    /// <summary>Which of the given users are online.</summary>
    ValueTask<IReadOnlySet<long>> GetOnlineAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken);
}
