namespace ChatEngine;

/// <summary>Persists messages.</summary>
public interface IMessageStore
{
    /// <summary>
    /// Appends a message atomically: it takes the chat's next sequence number (unique and gapless
    /// under concurrent senders), raises the chat's last sequence, and moves the sender's own read
    /// position to it. If the sender already sent a message with the same
    /// <see cref="MessageDraft.ClientId"/> in that chat, nothing is written and that first message is
    /// returned. Returns only after the message is durably committed; a failure throws and nothing
    /// of that message is kept. The sender must be a member of the chat when the message is
    /// committed: otherwise, as for a chat that does not exist, it throws a <see cref="ChatException"/>
    /// of kind <see cref="ChatErrorKind.NotFound"/> with code <see cref="ChatErrorCodes.ChatNotFound"/>
    /// (the engine does not read membership before a send; the store checks it with the write).
    /// </summary>
    Task<MessageAppendResult> AppendAsync(MessageDraft draft, CancellationToken cancellationToken);

    /// <summary>Finds a message by id.</summary>
    Task<ChatMessage?> FindByIdAsync(long messageId, CancellationToken cancellationToken);

    /// <summary>
    /// The newest <paramref name="limit"/> messages of the chat with a sequence below
    /// <paramref name="beforeSequence"/> (or the newest of all when <see langword="null"/>), oldest first.
    /// </summary>
    Task<IReadOnlyList<ChatMessage>> GetBeforeAsync(long chatId, long? beforeSequence, int limit, CancellationToken cancellationToken);

    /// <summary>The first <paramref name="limit"/> messages of the chat after <paramref name="afterSequence"/>, oldest first.</summary>
    Task<IReadOnlyList<ChatMessage>> GetAfterAsync(long chatId, long afterSequence, int limit, CancellationToken cancellationToken);
}
