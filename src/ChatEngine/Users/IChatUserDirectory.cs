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

    /// <summary>
    /// The chat user id of the user the app signs in under <paramref name="userKey"/> (the value of
    /// the principal's <c>NameIdentifier</c> or <c>sub</c> claim), or <see langword="null"/> when the
    /// key is not one of this directory's. By default the key is the id, written as a number; a
    /// directory over string or GUID keys maps them through <see cref="ChatUserKeys"/>.
    /// </summary>
    ValueTask<long?> FindIdByKeyAsync(string userKey, CancellationToken cancellationToken) =>
        ValueTask.FromResult<long?>(long.TryParse(userKey, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : null);
}
