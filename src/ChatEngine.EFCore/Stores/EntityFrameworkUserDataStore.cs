using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>A user's data for their export and erasure, and the retention of old messages, in the chat database.</summary>
internal sealed class EntityFrameworkUserDataStore<TContext>(Func<TContext> context) : IChatUserDataStore, IMessageRetentionStore
    where TContext : DbContext
{
    private DbSet<MessageEntity> Messages => context().Set<MessageEntity>();

    public async Task<IReadOnlyList<ChatMessage>> GetMessagesBySenderAsync(long chatId, long senderId, long afterId, int limit, CancellationToken cancellationToken) =>
        (await Messages.AsNoTracking().Where(m => m.ChatId == chatId && m.SenderId == senderId && m.Id > afterId).OrderBy(m => m.Id).Take(limit)
            .ToListAsync(cancellationToken).ConfigureAwait(false)).ConvertAll(m => m.ToMessage());

    public async Task<IReadOnlyList<MessageReaction>> GetReactionsByUserAsync(long userId, CancellationToken cancellationToken) =>
        (await context().Set<ReactionEntity>().AsNoTracking().Where(r => r.UserId == userId).OrderBy(r => r.Id).ToListAsync(cancellationToken).ConfigureAwait(false))
            .ConvertAll(r => new MessageReaction(r.ChatId, r.MessageId, r.UserId, r.Emoji, EntityTime.FromStored(r.At)));

    public async Task<IReadOnlyList<ChatMessage>> GetPinnedByUserAsync(long userId, CancellationToken cancellationToken) =>
        (await Messages.AsNoTracking().Where(m => m.PinnedBy == userId && m.PinnedAt != null).OrderBy(m => m.PinnedAt).ToListAsync(cancellationToken).ConfigureAwait(false))
            .ConvertAll(m => m.ToMessage());

    public async Task<IReadOnlyList<ChatReport>> GetReportsByReporterAsync(long userId, CancellationToken cancellationToken) =>
        (await context().Set<ReportEntity>().AsNoTracking().Where(r => r.ReporterId == userId).OrderBy(r => r.Id).ToListAsync(cancellationToken).ConfigureAwait(false))
            .ConvertAll(r => r.ToReport());

    public async Task<(long LastId, IReadOnlyList<ChatAttachment> Files)> EraseMessagesAsync(long senderId, bool keepText, long afterId, int limit, CancellationToken cancellationToken)
    {
        var db = context();
        await SearchIndexSql.EnsureAsync(db).ConfigureAwait(false);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var ids = await Messages.Where(m => m.SenderId == senderId && m.Id > afterId).OrderBy(m => m.Id).Select(m => m.Id).Take(limit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (ids.Count == 0)
        {
            return (0, []);
        }

        var files = await RemoveFilesOfAsync(db, ids, cancellationToken).ConfigureAwait(false);
        // An erased user's messages leave the search index, their text kept or not.
        await SearchIndexSql.RemoveAsync(db.Database.GetDbConnection(), transaction.GetDbTransaction(), ids, db.Database.IsSqlite()).ConfigureAwait(false);
        if (keepText)
        {
            await Messages.Where(m => ids.Contains(m.Id)).ExecuteUpdateAsync(set => set.SetProperty(m => m.AttachmentCount, 0), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // As a deletion makes a tombstone (see IMessageChangeStore.MarkDeletedAsync).
            await db.Set<ReactionEntity>().Where(r => ids.Contains(r.MessageId)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            await db.Set<MentionEntity>().Where(r => ids.Contains(r.MessageId)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            await Messages.Where(m => ids.Contains(m.Id)).ExecuteUpdateAsync(
                set => set.SetProperty(m => m.Text, string.Empty).SetProperty(m => m.Deleted, true).SetProperty(m => m.ReplyToId, (long?)null)
                    .SetProperty(m => m.PinnedAt, (DateTime?)null).SetProperty(m => m.PinnedBy, (long?)null).SetProperty(m => m.AttachmentCount, 0)
                    .SetProperty(m => m.Mentions, (string?)null),
                cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (ids[^1], files);
    }

    public async Task<IReadOnlyList<ChatAttachment>> ErasePersonalDataAsync(long userId, CancellationToken cancellationToken)
    {
        var db = context();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await db.Set<ReadMarkEntity>().Where(m => m.UserId == userId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await db.Set<ReportEntity>().Where(r => r.ReporterId == userId).ExecuteUpdateAsync(set => set.SetProperty(r => r.Note, (string?)null), cancellationToken).ConfigureAwait(false);
        var pending = await db.Set<AttachmentEntity>().Where(a => a.UploaderId == userId && a.MessageId == null).ToListAsync(cancellationToken).ConfigureAwait(false);
        var ids = pending.ConvertAll(a => a.Id);
        await db.Set<AttachmentEntity>().Where(a => ids.Contains(a.Id)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return pending.ConvertAll(a => a.ToAttachment());
    }

    public async Task<(long NextAfterId, int Deleted, IReadOnlyList<ChatAttachment> Files)> DeleteMessagesBeforeAsync(
        DateTimeOffset before, bool keepPinned, long afterId, int limit, CancellationToken cancellationToken)
    {
        var db = context();
        var cutoff = EntityTime.ToStored(before);
        var batch = await Messages.AsNoTracking().Where(m => m.Id > afterId).OrderBy(m => m.Id).Take(limit)
            .Select(m => new { m.Id, m.SentAt, Pinned = m.PinnedAt != null }).ToListAsync(cancellationToken).ConfigureAwait(false);
        var old = batch.TakeWhile(m => m.SentAt < cutoff).ToList();
        var ids = old.Where(m => !(keepPinned && m.Pinned)).Select(m => m.Id).ToList();
        var reachedYoung = old.Count < batch.Count || batch.Count < limit;
        var next = reachedYoung || old.Count == 0 ? 0 : old[^1].Id;
        if (ids.Count == 0)
        {
            return (next, 0, []);
        }

        await SearchIndexSql.EnsureAsync(db).ConfigureAwait(false);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var files = await RemoveFilesOfAsync(db, ids, cancellationToken).ConfigureAwait(false);
        await SearchIndexSql.RemoveAsync(db.Database.GetDbConnection(), transaction.GetDbTransaction(), ids, db.Database.IsSqlite()).ConfigureAwait(false);
        await db.Set<ReactionEntity>().Where(r => ids.Contains(r.MessageId)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await db.Set<MentionEntity>().Where(r => ids.Contains(r.MessageId)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        var deleted = await Messages.Where(m => ids.Contains(m.Id)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (next, deleted, files);
    }

    private static async Task<IReadOnlyList<ChatAttachment>> RemoveFilesOfAsync(TContext db, List<long> messageIds, CancellationToken cancellationToken)
    {
        var ids = messageIds.ConvertAll(id => (long?)id);
        var files = await db.Set<AttachmentEntity>().AsNoTracking().Where(a => ids.Contains(a.MessageId)).ToListAsync(cancellationToken).ConfigureAwait(false);
        if (files.Count > 0)
        {
            await db.Set<AttachmentEntity>().Where(a => ids.Contains(a.MessageId)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        }

        return files.ConvertAll(a => a.ToAttachment());
    }
}
