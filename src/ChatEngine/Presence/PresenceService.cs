namespace ChatEngine;

/// <summary>Whether a user is online and when they were last seen.</summary>
public readonly record struct PresenceState(bool IsOnline, DateTimeOffset? LastSeen);

/// <summary>
/// Online while a user has at least one live connection, whatever the transport or tab; last seen
/// is written when the last one closes. Status events go out only on real transitions, and a user's
/// transitions on one host are announced in the order they happened.
/// </summary>
public sealed class PresenceService
{
    private readonly IPresenceTracker _tracker;
    private readonly ILastSeenStore _lastSeen;
    private readonly IChatStore _chats;
    private readonly IChatUserDirectory _users;
    private readonly IChatEventPublisher _events;
    private readonly TimeProvider _time;
    private readonly PresenceTransitions _transitions;

    internal PresenceService(IPresenceTracker tracker, ILastSeenStore lastSeen, IChatStore chats, IChatUserDirectory users, IChatEventPublisher events, TimeProvider time, PresenceTransitions transitions)
    {
        _tracker = tracker;
        _lastSeen = lastSeen;
        _chats = chats;
        _users = users;
        _events = events;
        _time = time;
        _transitions = transitions;
    }

    /// <summary>Counts a new connection of the user; the first one makes them online and is announced.</summary>
    public async Task ConnectedAsync(long userId, CancellationToken cancellationToken = default)
    {
        using var turn = await _transitions.EnterAsync(userId, cancellationToken).ConfigureAwait(false);
        if (await _tracker.ConnectAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            var lastSeen = await _lastSeen.GetLastSeenAsync([userId], cancellationToken).ConfigureAwait(false);
            await AnnounceAsync(userId, isOnline: true, lastSeen.TryGetValue(userId, out var at) ? at : null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Counts a closed connection of the user; the last one makes them offline, records last seen, and is announced.</summary>
    public async Task DisconnectedAsync(long userId, CancellationToken cancellationToken = default)
    {
        using var turn = await _transitions.EnterAsync(userId, cancellationToken).ConfigureAwait(false);
        if (await _tracker.DisconnectAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            var now = _time.GetUtcNow();
            await _lastSeen.SetLastSeenAsync(userId, now, cancellationToken).ConfigureAwait(false);
            await AnnounceAsync(userId, isOnline: false, now, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Records that a user's last connections vanished without closing (their host stopped and its
    /// presence lease ran out): offline since <paramref name="lastSeen"/>, announced like a last
    /// disconnect. For shared presence trackers; transports call <see cref="DisconnectedAsync"/>.
    /// </summary>
    public async Task ConnectionsLostAsync(long userId, DateTimeOffset lastSeen, CancellationToken cancellationToken = default)
    {
        using var turn = await _transitions.EnterAsync(userId, cancellationToken).ConfigureAwait(false);
        await _lastSeen.SetLastSeenAsync(userId, lastSeen, cancellationToken).ConfigureAwait(false);
        await AnnounceAsync(userId, isOnline: false, lastSeen, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Closes every live connection of the user, on every host: for a host that ended their sign-ins
    /// (signed out everywhere, a new password, a suspended or deleted account). A connection is
    /// authenticated once, when it opens, so without this one would outlive the session it came from.
    /// Their clients reconnect, and are refused unless they sign in again.
    /// </summary>
    public Task EndConnectionsAsync(long userId, CancellationToken cancellationToken = default) =>
        _events.PublishAsync(new UserSessionsEnded(userId), cancellationToken).AsTask();

    /// <summary>Which of the users are online now (no last-seen read, for lists that show a dot only).</summary>
    internal ValueTask<IReadOnlySet<long>> GetOnlineAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken) =>
        userIds.Count == 0 ? ValueTask.FromResult<IReadOnlySet<long>>(new HashSet<long>()) : _tracker.GetOnlineAsync(userIds, cancellationToken);

    /// <summary>The presence of each given user.</summary>
    public async Task<IReadOnlyDictionary<long, PresenceState>> GetPresenceAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken = default)
    {
        if (userIds.Count == 0)
        {
            return new Dictionary<long, PresenceState>();
        }

        var online = await _tracker.GetOnlineAsync(userIds, cancellationToken).ConfigureAwait(false);
        var lastSeen = await _lastSeen.GetLastSeenAsync(userIds, cancellationToken).ConfigureAwait(false);
        return userIds.Distinct().ToDictionary(id => id, id => new PresenceState(online.Contains(id), lastSeen.TryGetValue(id, out var at) ? at : null));
    }

    private async Task AnnounceAsync(long userId, bool isOnline, DateTimeOffset? lastSeen, CancellationToken cancellationToken)
    {
        var user = await _users.FindByIdAsync(userId, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            return;
        }

        var chatIds = await _chats.GetChatIdsForUserAsync(userId, cancellationToken).ConfigureAwait(false);

        // A transition on another host may have overtaken this one meanwhile (with a shared tracker);
        // its own announcement tells the truth, so a stale one is not sent after it.
        var online = await _tracker.GetOnlineAsync([userId], cancellationToken).ConfigureAwait(false);
        if (online.Contains(userId) != isOnline)
        {
            return;
        }

        await _events.PublishAsync(new PresenceChanged(user, isOnline, lastSeen, chatIds), CancellationToken.None).ConfigureAwait(false);
    }
}
