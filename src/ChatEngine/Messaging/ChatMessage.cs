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
}

/// <summary>What appending a message gave.</summary>
/// <param name="Message">The stored message: the new one, or the first one sent with the same client id.</param>
/// <param name="Created">Whether this call stored it; <see langword="false"/> for a retry.</param>
public sealed record MessageAppendResult(ChatMessage Message, bool Created);

/// <summary>What sending a message gave.</summary>
/// <param name="Message">The committed message: the new one, or the first one sent with the same client id.</param>
/// <param name="Sender">Its sender.</param>
/// <param name="Created">Whether this call stored it; <see langword="false"/> for a retry.</param>
public sealed record SentMessage(ChatMessage Message, ChatUser Sender, bool Created);
