namespace ChatEngine;

/// <summary>A committed message.</summary>
public sealed record ChatMessage
{
    /// <summary>The message's id, unique across chats.</summary>
    public required long Id { get; init; }

    /// <summary>The chat it belongs to.</summary>
    public required long ChatId { get; init; }

    /// <summary>Its position in the chat: 1, 2, 3... unique and gapless per chat.</summary>
    public required long Sequence { get; init; }

    /// <summary>
    /// Its number in the chat's change log (see <see cref="IChatChangeLog"/>), which counts every change
    /// of the chat, not only messages. A store without a change log leaves it 0 and the engine uses <see cref="Sequence"/>.
    /// </summary>
    public long Seq { get; init; }

    /// <summary>Who sent it (always the authenticated user).</summary>
    public required long SenderId { get; init; }

    /// <summary>The trimmed text.</summary>
    public required string Text { get; init; }

    /// <summary>Server time of the send.</summary>
    public required DateTimeOffset SentAt { get; init; }

    /// <summary>The sender's idempotency key, if one was given.</summary>
    public string? ClientId { get; init; }

    /// <summary>The message of the same chat this one quotes, if any (kept when the quoted one is deleted).</summary>
    public long? ReplyToId { get; init; }

    /// <summary>When its text was last edited; <see langword="null"/> if never.</summary>
    public DateTimeOffset? EditedAt { get; init; }

    /// <summary>The client id of its last edit, so a retried edit is not applied twice.</summary>
    public string? EditClientId { get; init; }

    /// <summary>Whether it was deleted: a tombstone that keeps its place, its time and its read receipts, with no text.</summary>
    public bool IsDeleted { get; init; }

    /// <summary>When it was pinned; <see langword="null"/> when it is not pinned.</summary>
    public DateTimeOffset? PinnedAt { get; init; }

    /// <summary>Who pinned it, while it is pinned.</summary>
    public long? PinnedByUserId { get; init; }

    /// <summary>How many stored files it carries (see <see cref="IAttachmentRecordStore"/>); 0 once deleted.</summary>
    public int AttachmentCount { get; init; }

    /// <summary>The members its text mentions, in order of appearance (see <see cref="MessageMentions"/>); none once deleted.</summary>
    public IReadOnlyList<long> MentionIds { get; init; } = [];
}

/// <summary>A validated message waiting to be appended by an <see cref="IMessageStore"/>.</summary>
public sealed record MessageDraft
{
    /// <summary>The chat.</summary>
    public required long ChatId { get; init; }

    /// <summary>The sender.</summary>
    public required long SenderId { get; init; }

    /// <summary>The trimmed, validated text.</summary>
    public required string Text { get; init; }

    /// <summary>Server time of the send.</summary>
    public required DateTimeOffset SentAt { get; init; }

    /// <summary>The idempotency key, if any.</summary>
    public string? ClientId { get; init; }

    /// <summary>The message it quotes: one of the same chat, not deleted (checked before the draft is made).</summary>
    public long? ReplyToId { get; init; }

    /// <summary>
    /// The pending uploads it carries, in order (checked before the draft is made); the store claims them
    /// in the message's commit (see <see cref="IAttachmentRecordStore"/>).
    /// </summary>
    public IReadOnlyList<string> AttachmentIds { get; init; } = [];

    /// <summary>The members its text mentions, in order (found before the draft is made).</summary>
    public IReadOnlyList<long> MentionIds { get; init; } = [];
}

/// <summary>What appending a message gave.</summary>
/// <param name="Message">The stored message: the new one, or the first one sent with the same client id.</param>
/// <param name="Created">Whether this call stored it; <see langword="false"/> for a retry.</param>
public sealed record MessageAppendResult(ChatMessage Message, bool Created);

/// <summary>What sending a message gave.</summary>
/// <param name="Message">The committed message: the new one, or the first one sent with the same client id.</param>
/// <param name="Sender">Its sender.</param>
/// <param name="Created">Whether this call stored it; <see langword="false"/> for a retry.</param>
public sealed record SentMessage(ChatMessage Message, ChatUser Sender, bool Created)
{
    /// <summary>The quote of the message it replies to, if any.</summary>
    public ReplyPreview? ReplyPreview { get; init; }

    /// <summary>The files it carries, in order.</summary>
    public IReadOnlyList<ChatAttachment> Attachments { get; init; } = [];
}
