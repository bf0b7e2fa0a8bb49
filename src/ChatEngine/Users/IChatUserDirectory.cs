namespace ChatEngine;

/// <summary>
/// Reads the host's users, so an application with its own user table plugs in without copying its
/// users into ChatEngine.
/// </summary>
public interface IChatUserDirectory
{
    /// <summary>Finds a user by id, or returns <see langword="null"/>.</summary>
    Task<ChatUser?> FindByIdAsync(long userId, CancellationToken cancellationToken);

    /// <summary>Finds a user by exact user name (case-insensitive), or returns <see langword="null"/>.</summary>
    Task<ChatUser?> FindByUserNameAsync(string userName, CancellationToken cancellationToken);

    /// <summary>Finds the users with the given ids; unknown ids are absent from the result.</summary>
    Task<IReadOnlyDictionary<long, ChatUser>> GetByIdsAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken);

    /// <summary>Finds the users with the given user names (case-insensitive); unknown names are absent from the result.</summary>
    Task<IReadOnlyList<ChatUser>> GetByUserNamesAsync(IReadOnlyCollection<string> userNames, CancellationToken cancellationToken);

    /// <summary>
    /// Finds users whose user name contains <paramref name="term"/>, ignoring case, ordered by user name,
    /// leaving out <paramref name="excludedUserId"/>, at most <paramref name="limit"/> of them.
    /// </summary>
    Task<IReadOnlyList<ChatUser>> SearchAsync(string term, long excludedUserId, int limit, CancellationToken cancellationToken);
}
