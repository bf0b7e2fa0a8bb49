using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// Messages in any DbContext whose model has <c>UseChatEngine()</c>: appends go through the
/// group-commit writer; edits, deletions, reactions and pins run in the chat's unit of work, on the
/// scope's context and so in its transaction.
/// </summary>
/// <typeparam name="TContext">The DbContext.</typeparam>
internal sealed partial class EntityFrameworkMessageStore<TContext>(Func<TContext> context, GroupCommitWriter<TContext> writer) : IMessageStore, IMessageChangeStore
    where TContext : DbContext
{
    // Appending goes to the write loop; only reads take the scope's context.
    private IQueryable<MessageEntity> Messages => context().Set<MessageEntity>().AsNoTracking();

    private DbSet<MessageEntity> MessageRows => context().Set<MessageEntity>();

    // The search index is written with the scope's connection, in the unit's transaction.
    private System.Data.Common.DbConnection Connection => context().Database.GetDbConnection();

    private System.Data.Common.DbTransaction? Transaction => context().Database.CurrentTransaction?.GetDbTransaction();

    private bool IsSqlite => context().Database.IsSqlite();

    private DbSet<ReactionEntity> Reactions => context().Set<ReactionEntity>();

    private DbSet<AttachmentEntity> Attachments => context().Set<AttachmentEntity>();

    private DbSet<MentionEntity> MentionRows => context().Set<MentionEntity>();

    public Task<MessageAppendResult> AppendAsync(MessageDraft draft, CancellationToken cancellationToken) =>
        writer.AppendAsync(draft, cancellationToken);

    public async Task<ChatMessage?> FindByIdAsync(long messageId, CancellationToken cancellationToken)
    {
        var db = context();
        return (await MessageRow.For(db)(db, messageId, cancellationToken).ConfigureAwait(false))?.ToMessage();
    }

    private static readonly CompiledPerModel<Func<TContext, long, CancellationToken, Task<MessageEntity?>>> MessageRow = new(() => EF.CompileAsyncQuery(
        (TContext db, long messageId, CancellationToken cancellationToken) => db.Set<MessageEntity>().AsNoTracking().FirstOrDefault(m => m.Id == messageId)));

    public async Task<IReadOnlyList<ChatMessage>> GetBeforeAsync(long chatId, long? beforeSequence, int limit, CancellationToken cancellationToken)
    {
        var db = context();
        var page = await PageBefore.For(db)(db, chatId, beforeSequence ?? long.MaxValue, limit).ReadAllAsync(row => row.ToMessage(), cancellationToken).ConfigureAwait(false);
        page.Reverse();
        return page;
    }

    // Compiled (see CompiledPerModel): every chat's page asks it.
    private static readonly CompiledPerModel<Func<TContext, long, long, int, IAsyncEnumerable<MessageEntity>>> PageBefore = new(() => EF.CompileAsyncQuery(
        (TContext db, long chatId, long before, int limit) => db.Set<MessageEntity>().AsNoTracking()
            .Where(m => m.ChatId == chatId && m.Sequence < before)
            .OrderByDescending(m => m.Sequence)
            .Take(limit)));

    public async Task<IReadOnlyList<ChatMessage>> GetAfterAsync(long chatId, long afterSequence, int limit, CancellationToken cancellationToken)
    {
        var db = context();
        return await PageAfter.For(db)(db, chatId, afterSequence, limit).ReadAllAsync(row => row.ToMessage(), cancellationToken).ConfigureAwait(false);
    }

    // Compiled (see CompiledPerModel): a v1 catch-up (?after=) and a page with newer messages read it.
    private static readonly CompiledPerModel<Func<TContext, long, long, int, IAsyncEnumerable<MessageEntity>>> PageAfter = new(() => EF.CompileAsyncQuery(
        (TContext db, long chatId, long after, int limit) => db.Set<MessageEntity>().AsNoTracking()
            .Where(m => m.ChatId == chatId && m.Sequence > after)
            .OrderBy(m => m.Sequence)
            .Take(limit)));

    public async Task<IReadOnlyList<ChatMessage>> FindByIdsAsync(IReadOnlyCollection<long> messageIds, CancellationToken cancellationToken)
    {
        var ids = messageIds.Distinct().ToArray();
        var db = context();
        return await MessagesById.For(db)(db, ids).ReadAllAsync(row => row.ToMessage(), cancellationToken).ConfigureAwait(false);
    }

    // Compiled (see CompiledPerModel): a replay reads the messages its changes are about, and quotes.
    private static readonly CompiledPerModel<Func<TContext, long[], IAsyncEnumerable<MessageEntity>>> MessagesById = new(() => EF.CompileAsyncQuery(
        (TContext db, long[] ids) => db.Set<MessageEntity>().AsNoTracking().Where(m => ids.Contains(m.Id))));

    public async Task<bool> UpdateTextAsync(long messageId, string text, IReadOnlyList<long> mentionIds, DateTimeOffset editedAt, string? clientId, CancellationToken cancellationToken)
    {
        var at = EntityTime.ToStored(editedAt);
        var mentions = MentionList.Format(mentionIds);
        var updated = await MessageRows.Where(m => m.Id == messageId && !m.Deleted)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Text, text).SetProperty(m => m.Mentions, mentions).SetProperty(m => m.EditedAt, at).SetProperty(m => m.EditClientId, clientId), cancellationToken)
            .ConfigureAwait(false) > 0;
        if (updated)
        {
            await SearchIndexSql.IndexAsync(Connection, Transaction, [(messageId, text)], IsSqlite).ConfigureAwait(false);

            // The message's place does not change: its new mentions count from the same sequence.
            await MentionRows.Where(m => m.MessageId == messageId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            if (mentionIds.Count > 0)
            {
                var message = await Messages.Where(m => m.Id == messageId).Select(m => new { m.ChatId, m.Sequence }).FirstAsync(cancellationToken).ConfigureAwait(false);
                var db = context();
                var rows = mentionIds.Select(user => new MentionEntity { MessageId = messageId, UserId = user, ChatId = message.ChatId, Sequence = message.Sequence }).ToArray();
                db.AddRange(rows);
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                // Only these rows: the unit's context may track others that are not this store's to drop.
                foreach (var row in rows)
                {
                    db.Entry(row).State = EntityState.Detached;
                }
            }
        }

        return updated;
    }

    public async Task<bool> MarkDeletedAsync(long messageId, CancellationToken cancellationToken)
    {
        var deleted = await MessageRows.Where(m => m.Id == messageId && !m.Deleted)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Text, string.Empty)
                .SetProperty(m => m.Deleted, true)
                .SetProperty(m => m.ReplyToId, (long?)null)
                .SetProperty(m => m.PinnedAt, (DateTime?)null)
                .SetProperty(m => m.PinnedBy, (long?)null)
                .SetProperty(m => m.AttachmentCount, 0)
                .SetProperty(m => m.Mentions, (string?)null), cancellationToken)
            .ConfigureAwait(false) > 0;
        if (deleted)
        {
            await SearchIndexSql.RemoveAsync(Connection, Transaction, [messageId], IsSqlite).ConfigureAwait(false);
            await Reactions.Where(r => r.MessageId == messageId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            await MentionRows.Where(m => m.MessageId == messageId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        }

        return deleted;
    }

    public async Task<bool> AddReactionAsync(MessageReaction reaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reaction);

        // Read before the insert (the chat's unit of work orders writers of one chat): a failed insert
        // would abort the unit's transaction on PostgreSQL.
        if (await Reactions.AnyAsync(r => r.MessageId == reaction.MessageId && r.Emoji == reaction.Emoji && r.UserId == reaction.UserId, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var row = Reactions.Add(new ReactionEntity
        {
            ChatId = reaction.ChatId, MessageId = reaction.MessageId, UserId = reaction.UserId, Emoji = reaction.Emoji, At = EntityTime.ToStored(reaction.At),
        });
        try
        {
            await context().SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            row.State = EntityState.Detached;
        }
    }

    public async Task<bool> RemoveReactionAsync(long messageId, long userId, string emoji, CancellationToken cancellationToken) =>
        await Reactions.Where(r => r.MessageId == messageId && r.Emoji == emoji && r.UserId == userId)
            .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false) > 0;

    public async Task<IReadOnlyList<ReactionCount>> GetReactionCountsAsync(IReadOnlyCollection<long> messageIds, long viewerId, CancellationToken cancellationToken)
    {
        var ids = messageIds.Distinct().ToArray();
        if (ids.Length == 0)
        {
            return [];
        }

        var db = context();
        var counts = await ReactionCountRows.For(db)(db, ids, viewerId).ReadAllAsync(row => row, cancellationToken).ConfigureAwait(false);
        return counts.OrderBy(c => c.MessageId).ThenBy(c => c.First)
            .Select(c => new ReactionCount(c.MessageId, c.Emoji, c.Count, c.Me == 1))
            .ToArray();
    }

    // Counted in the database: a message with a thousand reactions ships one row per emoji.
    private static readonly CompiledPerModel<Func<TContext, long[], long, IAsyncEnumerable<ReactionCountRow>>> ReactionCountRows = new(() => EF.CompileAsyncQuery(
        (TContext db, long[] ids, long viewerId) => db.Set<ReactionEntity>().AsNoTracking()
            .Where(r => ids.Contains(r.MessageId))
            .GroupBy(r => new { r.MessageId, r.Emoji })
            .Select(g => new ReactionCountRow(g.Key.MessageId, g.Key.Emoji, g.Count(), g.Min(r => r.Id), g.Max(r => r.UserId == viewerId ? 1 : 0)))));

    private sealed record ReactionCountRow(long MessageId, string Emoji, int Count, long First, int Me);

    public async Task<IReadOnlyList<MessageReaction>> GetReactionsAsync(long messageId, string emoji, long afterUserId, int limit, CancellationToken cancellationToken)
    {
        var rows = await Reactions.AsNoTracking()
            .Where(r => r.MessageId == messageId && r.Emoji == emoji && r.UserId > afterUserId)
            .OrderBy(r => r.UserId)
            .Take(limit)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return rows.Select(r => r.ToReaction()).ToArray();
    }

    public async Task<bool> SetPinAsync(long messageId, long? byUserId, DateTimeOffset? at, CancellationToken cancellationToken)
    {
        if (at is { } pinnedAt)
        {
            var stored = EntityTime.ToStored(pinnedAt);
            return await MessageRows.Where(m => m.Id == messageId && !m.Deleted && m.PinnedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.PinnedAt, stored).SetProperty(m => m.PinnedBy, byUserId), cancellationToken)
                .ConfigureAwait(false) > 0;
        }

        return await MessageRows.Where(m => m.Id == messageId && m.PinnedAt != null)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.PinnedAt, (DateTime?)null).SetProperty(m => m.PinnedBy, (long?)null), cancellationToken)
            .ConfigureAwait(false) > 0;
    }

    public async Task<IReadOnlyList<ChatMessage>> GetPinnedAsync(long chatId, CancellationToken cancellationToken)
    {
        var pinned = await Messages.Where(m => m.ChatId == chatId && m.PinnedAt != null)
            .OrderByDescending(m => m.PinnedAt).ThenByDescending(m => m.Id)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return pinned.Select(m => m.ToMessage()).ToArray();
    }
}
