namespace ChatEngine;

/// <summary>
/// What a store holds of one user, for their export and erasure (contract v2, section 6). An optional
/// store interface, beside <see cref="IMessageStore"/>: without one, exports and erasure are refused
/// as not supported.
/// </summary>
public interface IChatUserDataStore
{
    /// <summary>The user's own messages in a chat with ids above <paramref name="afterId"/>, oldest first.</summary>
    Task<IReadOnlyList<ChatMessage>> GetMessagesBySenderAsync(long chatId, long senderId, long afterId, int limit, CancellationToken cancellationToken);

    /// <summary>Every reaction the user made.</summary>
    Task<IReadOnlyList<MessageReaction>> GetReactionsByUserAsync(long userId, CancellationToken cancellationToken);

    /// <summary>The messages the user pinned (that are pinned now).</summary>
    Task<IReadOnlyList<ChatMessage>> GetPinnedByUserAsync(long userId, CancellationToken cancellationToken);

    /// <summary>The open reports the user filed.</summary>
    Task<IReadOnlyList<ChatReport>> GetReportsByReporterAsync(long userId, CancellationToken cancellationToken);

    /// <summary>
    /// Erases up to <paramref name="limit"/> of the user's messages with ids above <paramref name="afterId"/>,
    /// in id order: each becomes a tombstone (no text, mentions, reactions or pin), or with
    /// <paramref name="keepText"/> keeps its text; either way its files' records go. Returns the last id
    /// it reached (0 when none was left) and the records removed, whose bytes the caller deletes.
    /// </summary>
    Task<(long LastId, IReadOnlyList<ChatAttachment> Files)> EraseMessagesAsync(long senderId, bool keepText, long afterId, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the rest of what is the user's: their read marks, their pending uploads (returned, for
    /// their bytes), and the notes of the reports they filed (a report keeps only its reason).
    /// </summary>
    Task<IReadOnlyList<ChatAttachment>> ErasePersonalDataAsync(long userId, CancellationToken cancellationToken);
}

/// <summary>
/// Deletes messages past <see cref="ChatRetentionOptions.MaxMessageAge"/>. An optional store interface
/// (the EF Core stores have it; the in-memory store, gone at restart anyway, keeps everything).
/// </summary>
public interface IMessageRetentionStore
{
    /// <summary>
    /// Reads the next <paramref name="limit"/> messages in id order after <paramref name="afterId"/> (ids
    /// follow sending, so the oldest come first) and deletes those sent before <paramref name="before"/>
    /// (pinned ones kept with <paramref name="keepPinned"/>), with their reactions, mentions and files'
    /// records. Returns where to go on from (0 once it reached a message young enough, or the end), how
    /// many went, and the records removed, whose bytes the caller deletes.
    /// </summary>
    Task<(long NextAfterId, int Deleted, IReadOnlyList<ChatAttachment> Files)> DeleteMessagesBeforeAsync(
        DateTimeOffset before, bool keepPinned, long afterId, int limit, CancellationToken cancellationToken);
}
