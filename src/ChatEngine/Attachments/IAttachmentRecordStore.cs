namespace ChatEngine;

/// <summary>
/// Records of stored attachments: an optional store interface, implemented by the class that implements
/// <see cref="IMessageStore"/> (as <see cref="IMessageChangeStore"/> is), because a message claims its
/// attachments in the transaction that stores it. A store that implements it must, in
/// <see cref="IMessageStore.AppendAsync"/>, set <see cref="ChatAttachment.MessageId"/> (and
/// <see cref="ChatAttachment.Position"/>, its index in the draft) of every attachment the draft names (<see cref="MessageDraft.AttachmentIds"/>) in the message's own commit, and refuse the
/// message (a <see cref="ChatException"/> with code <see cref="ChatErrorCodes.InvalidAttachment"/>, nothing
/// kept) when one of them is no longer a pending upload of the sender to that chat.
/// </summary>
public interface IAttachmentRecordStore
{
    /// <summary>Adds the record of a new, pending upload.</summary>
    Task AddAsync(ChatAttachment attachment, CancellationToken cancellationToken);

    /// <summary>The records with these ids that exist, in no particular order.</summary>
    Task<IReadOnlyList<ChatAttachment>> FindAsync(IReadOnlyCollection<string> attachmentIds, CancellationToken cancellationToken);

    /// <summary>The attachments of these messages, each message's by <see cref="ChatAttachment.Position"/>.</summary>
    Task<IReadOnlyList<ChatAttachment>> GetByMessagesAsync(IReadOnlyCollection<long> messageIds, CancellationToken cancellationToken);

    /// <summary>What a user keeps: the bytes of all their attachments (thumbnails not counted) and how many are pending.</summary>
    Task<AttachmentUsage> GetUsageAsync(long userId, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the records among these that are still pending, and returns exactly those (checked and
    /// removed in one step: a record a message claims meanwhile is neither removed nor returned).
    /// </summary>
    Task<IReadOnlyList<ChatAttachment>> RemovePendingAsync(IReadOnlyCollection<string> attachmentIds, CancellationToken cancellationToken);

    /// <summary>Removes the records of a message's attachments (it was deleted) and returns them.</summary>
    Task<IReadOnlyList<ChatAttachment>> RemoveByMessageAsync(long messageId, CancellationToken cancellationToken);

    /// <summary>Removes the records of every attachment of a chat (it is being deleted) and returns them.</summary>
    Task<IReadOnlyList<ChatAttachment>> RemoveByChatAsync(long chatId, CancellationToken cancellationToken);

    /// <summary>At most <paramref name="limit"/> pending uploads made before <paramref name="uploadedBefore"/>, oldest first.</summary>
    Task<IReadOnlyList<ChatAttachment>> GetPendingBeforeAsync(DateTimeOffset uploadedBefore, int limit, CancellationToken cancellationToken);
}

/// <summary>What one user keeps in attachments.</summary>
/// <param name="StoredBytes">The bytes of all their attachments, pending and sent.</param>
/// <param name="Pending">How many of their uploads no message carries yet.</param>
public sealed record AttachmentUsage(long StoredBytes, int Pending);
