namespace ChatEngine.InMemory;

// Attachment records (IAttachmentRecordStore), under the store's one lock, so a message claims its
// files in the same step that stores it.
public sealed partial class InMemoryChatStore : IAttachmentRecordStore
{
    private readonly Dictionary<string, ChatAttachment> _attachments = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task AddAsync(ChatAttachment attachment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        lock (_lock)
        {
            _attachments.Add(attachment.Id, attachment);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatAttachment>> FindAsync(IReadOnlyCollection<string> attachmentIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attachmentIds);
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ChatAttachment>>(attachmentIds.Select(id => _attachments.GetValueOrDefault(id)).OfType<ChatAttachment>().ToArray());
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatAttachment>> GetByMessagesAsync(IReadOnlyCollection<long> messageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        var wanted = messageIds.ToHashSet();
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ChatAttachment>>(_attachments.Values
                .Where(a => a.MessageId is { } id && wanted.Contains(id)).OrderBy(a => a.MessageId).ThenBy(a => a.Position).ToArray());
        }
    }

    /// <inheritdoc />
    public Task<AttachmentUsage> GetUsageAsync(long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var own = _attachments.Values.Where(a => a.UploaderId == userId).ToArray();
            return Task.FromResult(new AttachmentUsage(own.Sum(a => a.Size), own.Count(a => a.MessageId is null)));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatAttachment>> RemovePendingAsync(IReadOnlyCollection<string> attachmentIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attachmentIds);
        lock (_lock)
        {
            return Task.FromResult(RemoveWhere(a => a.MessageId is null && attachmentIds.Contains(a.Id)));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatAttachment>> RemoveByMessageAsync(long messageId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(RemoveWhere(a => a.MessageId == messageId));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatAttachment>> RemoveByChatAsync(long chatId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(RemoveWhere(a => a.ChatId == chatId));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatAttachment>> GetPendingBeforeAsync(DateTimeOffset uploadedBefore, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ChatAttachment>>(_attachments.Values
                .Where(a => a.MessageId is null && a.UploadedAt < uploadedBefore).OrderBy(a => a.UploadedAt).Take(limit).ToArray());
        }
    }

    private IReadOnlyList<ChatAttachment> RemoveWhere(Func<ChatAttachment, bool> match)
    {
        var removed = _attachments.Values.Where(match).ToArray();
        foreach (var attachment in removed)
        {
            _attachments.Remove(attachment.Id);
        }

        return removed;
    }

    /// <summary>Refuses a draft naming a file that is not (any longer) a pending upload of its sender to its chat. Under the lock.</summary>
    private void RequireClaimable(MessageDraft draft)
    {
        foreach (var id in draft.AttachmentIds)
        {
            if (!_attachments.TryGetValue(id, out var attachment) || attachment.MessageId is not null
                || attachment.ChatId != draft.ChatId || attachment.UploaderId != draft.SenderId)
            {
                throw new ChatException(ChatErrorKind.Validation, ChatErrorCodes.InvalidAttachment, "An attachment of this message is no longer a pending upload of yours to this chat.");
            }
        }
    }

    /// <summary>Gives the files to their message. Under the lock, after <see cref="RequireClaimable"/>.</summary>
    private void Claim(IReadOnlyList<string> attachmentIds, long messageId)
    {
        for (var i = 0; i < attachmentIds.Count; i++)
        {
            _attachments[attachmentIds[i]] = _attachments[attachmentIds[i]] with { MessageId = messageId, Position = i };
        }
    }
}
