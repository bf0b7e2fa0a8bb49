namespace ChatEngine.InMemory;

/// <summary>A user's data, for their export and erasure (<see cref="IChatUserDataStore"/>).</summary>
public sealed partial class InMemoryChatStore : IChatUserDataStore
{
    /// <inheritdoc />
    public Task<IReadOnlyList<ChatMessage>> GetMessagesBySenderAsync(long chatId, long senderId, long afterId, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<ChatMessage> messages = (_messages.GetValueOrDefault(chatId) ?? []).Where(m => m.SenderId == senderId && m.Id > afterId).OrderBy(m => m.Id).Take(limit).ToArray();
            return Task.FromResult(messages);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<MessageReaction>> GetReactionsByUserAsync(long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<MessageReaction> reactions = _reactions.Values.SelectMany(r => r).Where(r => r.UserId == userId).OrderBy(r => r.At).ToArray();
            return Task.FromResult(reactions);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatMessage>> GetPinnedByUserAsync(long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<ChatMessage> pinned = _messagesById.Values.Where(m => m.PinnedByUserId == userId && m.PinnedAt is not null).OrderBy(m => m.PinnedAt).ToArray();
            return Task.FromResult(pinned);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatReport>> GetReportsByReporterAsync(long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<ChatReport> reports = _reports.Values.Where(r => r.ReporterId == userId).OrderBy(r => r.Id).ToArray();
            return Task.FromResult(reports);
        }
    }

    /// <inheritdoc />
    public Task<(long LastId, IReadOnlyList<ChatAttachment> Files)> EraseMessagesAsync(long senderId, bool keepText, long afterId, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var batch = _messagesById.Values.Where(m => m.SenderId == senderId && m.Id > afterId).OrderBy(m => m.Id).Take(limit).ToArray();
            var files = new List<ChatAttachment>();
            foreach (var message in batch)
            {
                files.AddRange(RemoveWhere(a => a.MessageId == message.Id));
                if (keepText)
                {
                    Replace(message with { AttachmentCount = 0 });
                    continue;
                }

                _reactions.Remove(message.Id);
                Replace(message with { Text = string.Empty, IsDeleted = true, ReplyToId = null, PinnedAt = null, PinnedByUserId = null, AttachmentCount = 0, MentionIds = [] });
            }

            return Task.FromResult<(long, IReadOnlyList<ChatAttachment>)>((batch.Length == 0 ? 0 : batch[^1].Id, files));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatAttachment>> ErasePersonalDataAsync(long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (var marks in _readMarks.Values)
            {
                marks.RemoveAll(m => m.UserId == userId);
            }

            foreach (var report in _reports.Values.Where(r => r.ReporterId == userId && r.Note is not null).ToArray())
            {
                _reports[report.Id] = report with { Note = null };
            }

            return Task.FromResult(RemoveWhere(a => a.UploaderId == userId && a.MessageId is null));
        }
    }
}
