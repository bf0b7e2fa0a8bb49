namespace ChatEngine;

/// <summary>Persists chats. Stores only persist: every rule lives in the services above them.</summary>
public interface IChatStore
{
    /// <summary>
    /// Returns the private chat of the pair, creating it (with both users as members) if there is none.
    /// Atomic: when two calls race, one chat exists afterwards and both return it.
    /// </summary>
    Task<(Chat Chat, bool Created)> GetOrCreatePrivateChatAsync(PrivatePair pair, DateTimeOffset createdAt, CancellationToken cancellationToken);

    /// <summary>
    /// Creates a group with its members in one step and returns it with its id.
    /// Throws a <see cref="ChatException"/> of kind <see cref="ChatErrorKind.Conflict"/> if the join code is taken.
    /// </summary>
    Task<Chat> CreateGroupAsync(NewGroup group, CancellationToken cancellationToken);

    /// <summary>Finds a chat by id.</summary>
    Task<Chat?> FindByIdAsync(long chatId, CancellationToken cancellationToken);

    /// <summary>Finds a group by its join code (exact match).</summary>
    Task<Chat?> FindByJoinCodeAsync(string joinCode, CancellationToken cancellationToken);

    /// <summary>Renames a group; returns <see langword="false"/> if it does not exist.</summary>
    Task<bool> SetNameAsync(long chatId, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Sets or clears (<see langword="null"/>) a group's join code; returns <see langword="false"/> if the chat
    /// does not exist. Throws a <see cref="ChatException"/> of kind <see cref="ChatErrorKind.Conflict"/> if the code is taken.
    /// </summary>
    Task<bool> SetJoinCodeAsync(long chatId, string? joinCode, CancellationToken cancellationToken);

    /// <summary>Deletes a chat with its members, messages and read marks.</summary>
    Task DeleteAsync(long chatId, CancellationToken cancellationToken);

    /// <summary>
    /// The user's chats of one kind with their newest message, the user's read position and how many
    /// unread messages mention the user (<see cref="ChatSummary.Mentions"/>), in a constant number of
    /// round trips however many chats there are.
    /// </summary>
    Task<IReadOnlyList<ChatSummary>> GetSummariesAsync(long userId, ChatKind kind, CancellationToken cancellationToken);

    /// <summary>The ids of every chat the user is a member of.</summary>
    Task<IReadOnlyList<long>> GetChatIdsForUserAsync(long userId, CancellationToken cancellationToken);
}

/// <summary>A group to create.</summary>
public sealed record NewGroup
{
    /// <summary>The validated name.</summary>
    public required string Name { get; init; }

    /// <summary>The join code.</summary>
    public required string JoinCode { get; init; }

    /// <summary>Creation time; also every initial member's join time.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The initial members and their roles, the creator included.</summary>
    public required IReadOnlyList<(long UserId, ChatRole Role)> Members { get; init; }
}
