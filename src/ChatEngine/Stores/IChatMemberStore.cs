namespace ChatEngine;

/// <summary>Persists memberships and read positions.</summary>
public interface IChatMemberStore
{
    /// <summary>Finds a membership.</summary>
    Task<ChatMember?> FindAsync(long chatId, long userId, CancellationToken cancellationToken);

    /// <summary>A chat's members, longest-standing first (join time, then user id).</summary>
    Task<IReadOnlyList<ChatMember>> GetMembersAsync(long chatId, CancellationToken cancellationToken);

    /// <summary>
    /// Adds a member whose read position starts at the chat's current last sequence, and lifts any bar
    /// an earlier removal left (see <see cref="RemoveAsync"/>). Returns <see langword="false"/> (and
    /// changes nothing) if they already are a member or the chat is gone.
    /// </summary>
    Task<bool> AddAsync(long chatId, long userId, ChatRole role, DateTimeOffset joinedAt, CancellationToken cancellationToken);

    /// <summary>
    /// Removes a member; returns <see langword="false"/> if they were not one. With
    /// <paramref name="bar"/> (an admin removed them) the store also remembers the removal, in the same
    /// step, until <see cref="AddAsync"/> adds them again: joining by code is refused meanwhile.
    /// </summary>
    Task<bool> RemoveAsync(long chatId, long userId, bool bar, CancellationToken cancellationToken);

    /// <summary>Whether an admin removed the user from the chat and nobody has added them back since.</summary>
    Task<bool> IsBarredAsync(long chatId, long userId, CancellationToken cancellationToken);

    /// <summary>Changes a member's role; returns <see langword="false"/> if they are not a member.</summary>
    Task<bool> SetRoleAsync(long chatId, long userId, ChatRole role, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the member's read position forward to <paramref name="upToSequence"/> and logs a
    /// <see cref="ReadMark"/>, atomically and only if that is beyond the member's last logged mark.
    /// Returns whether a mark was logged. Positions never move back. A user who is not a member marks
    /// nothing (the engine may act on a remembered membership that has just ended).
    /// </summary>
    Task<bool> MarkReadAsync(long chatId, long userId, long upToSequence, DateTimeOffset readAt, CancellationToken cancellationToken);

    /// <summary>
    /// The read marks needed to say who read the messages <paramref name="fromSequence"/> to
    /// <paramref name="toSequence"/>: every mark of the chat whose <see cref="ReadMark.UpToSequence"/> lies in
    /// that range, plus each member's first mark beyond it. The answer stays small however long the log grows.
    /// </summary>
    Task<IReadOnlyList<ReadMark>> GetReadMarksAsync(long chatId, long fromSequence, long toSequence, CancellationToken cancellationToken);
}
