namespace ChatEngine;

/// <summary>
/// Public handles of ChatEngine's own (see <c>AddChatHandles()</c>): one per user, unique ignoring
/// case, given once and kept. An optional store service, registered with the other store services
/// (the in-memory and EF Core stores have it). An implementation keeps these promises: two callers
/// giving handles at once, on any host, never give one handle to two users nor two handles to one user.
/// </summary>
public interface IChatHandleStore
{
    /// <summary>
    /// The handles of the given users; a user without one gets the first free of
    /// <c>proposal</c>, <c>proposal2</c>, <c>proposal3</c>… (free ignoring case).
    /// </summary>
    /// <param name="proposals">Each user's proposed handle, used only for users who have none yet.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<IReadOnlyDictionary<long, string>> GetOrCreateHandlesAsync(IReadOnlyDictionary<long, string> proposals, CancellationToken cancellationToken);

    /// <summary>The users holding the given handles (matched ignoring case), by handle as asked; unknown handles are absent.</summary>
    Task<IReadOnlyDictionary<string, long>> FindUserIdsAsync(IReadOnlyCollection<string> handles, CancellationToken cancellationToken);

    /// <summary>Users whose handle contains <paramref name="term"/>, ignoring case, ordered by handle, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<ChatHandle>> SearchAsync(string term, int limit, CancellationToken cancellationToken);
}

/// <summary>A user's public handle.</summary>
/// <param name="UserId">The chat user id.</param>
/// <param name="Handle">The handle, as given.</param>
public sealed record ChatHandle(long UserId, string Handle);
