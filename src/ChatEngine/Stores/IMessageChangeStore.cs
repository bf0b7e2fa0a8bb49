namespace ChatEngine;

/// <summary>
/// Messages that change after they are sent: edits, deletions, reactions and pins. An optional store
/// interface, implemented by the class that implements <see cref="IMessageStore"/> (as
/// <see cref="IChatChangeLog"/> sits beside <see cref="IChatStore"/>), so stores written before it
/// keep working for everything else. The engine calls the writing methods inside the chat's unit of
/// work (<see cref="IChatUnitOfWork"/>), right before it logs the change, so the row and its number
/// commit together. Methods take message ids the engine has checked belong to the chat.
/// </summary>
public interface IMessageChangeStore
{
    /// <summary>The messages with these ids that exist, in no particular order.</summary>
    Task<IReadOnlyList<ChatMessage>> FindByIdsAsync(IReadOnlyCollection<long> messageIds, CancellationToken cancellationToken);

    /// <summary>Replaces a message's text and who it mentions, and records the edit; false when the message is missing or deleted.</summary>
    Task<bool> UpdateTextAsync(long messageId, string text, IReadOnlyList<long> mentionIds, DateTimeOffset editedAt, string? clientId, CancellationToken cancellationToken);

    /// <summary>
    /// Makes a message a tombstone: no text, no reactions, no mentions, not pinned; its id, sender, time,
    /// place and read state stay. False when it is missing or was deleted already.
    /// </summary>
    Task<bool> MarkDeletedAsync(long messageId, CancellationToken cancellationToken);

    /// <summary>Adds a user's reaction; false when they had reacted with that emoji already.</summary>
    Task<bool> AddReactionAsync(MessageReaction reaction, CancellationToken cancellationToken);

    /// <summary>Removes a user's reaction; false when there was none.</summary>
    Task<bool> RemoveReactionAsync(long messageId, long userId, string emoji, CancellationToken cancellationToken);

    /// <summary>
    /// The reactions of these messages, counted: for each message its emoji in order of first use, with
    /// how many users chose each and whether <paramref name="viewerId"/> is one of them.
    /// </summary>
    Task<IReadOnlyList<ReactionCount>> GetReactionCountsAsync(IReadOnlyCollection<long> messageIds, long viewerId, CancellationToken cancellationToken);

    /// <summary>The users who reacted to a message with an emoji, in user id order, after <paramref name="afterUserId"/>.</summary>
    Task<IReadOnlyList<MessageReaction>> GetReactionsAsync(long messageId, string emoji, long afterUserId, int limit, CancellationToken cancellationToken);

    /// <summary>Pins (<paramref name="byUserId"/> and <paramref name="at"/> given) or unpins (both null) a message; false when nothing changed.</summary>
    Task<bool> SetPinAsync(long messageId, long? byUserId, DateTimeOffset? at, CancellationToken cancellationToken);

    /// <summary>A chat's pinned messages, the newest pin first.</summary>
    Task<IReadOnlyList<ChatMessage>> GetPinnedAsync(long chatId, CancellationToken cancellationToken);
}

/// <summary>One user's reaction to a message.</summary>
/// <param name="ChatId">The message's chat.</param>
/// <param name="MessageId">The message.</param>
/// <param name="UserId">Who reacted.</param>
/// <param name="Emoji">With what: one grapheme, or <c>:name:</c>.</param>
/// <param name="At">When.</param>
public sealed record MessageReaction(long ChatId, long MessageId, long UserId, string Emoji, DateTimeOffset At);

/// <summary>How many users reacted to a message with an emoji, and whether the viewer did.</summary>
/// <param name="MessageId">The message.</param>
/// <param name="Emoji">The emoji.</param>
/// <param name="Count">How many users chose it.</param>
/// <param name="Me">Whether the viewer is one of them.</param>
public sealed record ReactionCount(long MessageId, string Emoji, int Count, bool Me);
