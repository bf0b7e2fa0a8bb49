using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace ChatEngine.EntityFrameworkCore;

// Attachment records (IAttachmentRecordStore) on the scope's context, so removals made in a chat's
// unit of work commit with it; a message claims its files in the group-commit batch (SendStatements).
internal sealed partial class EntityFrameworkMessageStore<TContext> : IAttachmentRecordStore
{
    public async Task AddAsync(ChatAttachment attachment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        var db = context();
        var row = AttachmentEntity.From(attachment);
        db.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            db.Entry(row).State = EntityState.Detached;
        }
    }

    public async Task<IReadOnlyList<ChatAttachment>> FindAsync(IReadOnlyCollection<string> attachmentIds, CancellationToken cancellationToken)
    {
        var ids = attachmentIds.Distinct().ToArray();
        var found = await Attachments.AsNoTracking().Where(a => ids.Contains(a.Id)).ToListAsync(cancellationToken).ConfigureAwait(false);
        return found.ConvertAll(a => a.ToAttachment());
    }

    public async Task<IReadOnlyList<ChatAttachment>> GetByMessagesAsync(IReadOnlyCollection<long> messageIds, CancellationToken cancellationToken)
    {
        var ids = messageIds.Distinct().Select(id => (long?)id).ToArray();
        var db = context();
        return await AttachmentRows.For(db)(db, ids).ReadAllAsync(row => row.ToAttachment(), cancellationToken).ConfigureAwait(false);
    }

    // Compiled (see CompiledPerModel): every page and replay with files reads them.
    private static readonly CompiledPerModel<Func<TContext, long?[], IAsyncEnumerable<AttachmentEntity>>> AttachmentRows = new(() => EF.CompileAsyncQuery<TContext, long?[], AttachmentEntity>(
        (TContext db, long?[] ids) => db.Set<AttachmentEntity>().AsNoTracking()
            .Where(a => ids.Contains(a.MessageId))
            .OrderBy(a => a.MessageId).ThenBy(a => a.Position)));

    public async Task<AttachmentUsage> GetUsageAsync(long userId, CancellationToken cancellationToken)
    {
        var usage = await Attachments.AsNoTracking().Where(a => a.UploaderId == userId)
            .GroupBy(a => a.UploaderId)
            .Select(g => new { Bytes = g.Sum(a => a.Size), Pending = g.Count(a => a.MessageId == null) })
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return usage is null ? new AttachmentUsage(0, 0) : new AttachmentUsage(usage.Bytes, usage.Pending);
    }

    public async Task<IReadOnlyList<ChatAttachment>> RemovePendingAsync(IReadOnlyCollection<string> attachmentIds, CancellationToken cancellationToken)
    {
        var found = await FindAsync(attachmentIds, cancellationToken).ConfigureAwait(false);
        var pending = found.Where(a => a.MessageId is null).ToArray();
        if (pending.Length == 0)
        {
            return [];
        }

        // One statement checks and deletes, so a record a send claims meanwhile survives (and keeps its file).
        var db = context();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = connection.CreateCommand();
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            var names = new List<string>();
            for (var i = 0; i < pending.Length; i++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = $"@p{i}";
                parameter.Value = pending[i].Id;
                command.Parameters.Add(parameter);
                names.Add(parameter.ParameterName);
            }

            command.CommandText = $"""DELETE FROM "{ChatTables.Attachments}" WHERE "Id" IN ({string.Join(", ", names)}) AND "MessageId" IS NULL RETURNING "Id" """;
            var removed = new HashSet<string>(StringComparer.Ordinal);
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    removed.Add(reader.GetString(0));
                }
            }

            return pending.Where(a => removed.Contains(a.Id)).ToArray();
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    public Task<IReadOnlyList<ChatAttachment>> RemoveByMessageAsync(long messageId, CancellationToken cancellationToken) =>
        RemoveWhereAsync(a => a.MessageId == messageId, cancellationToken);

    public Task<IReadOnlyList<ChatAttachment>> RemoveByChatAsync(long chatId, CancellationToken cancellationToken) =>
        RemoveWhereAsync(a => a.ChatId == chatId, cancellationToken);

    public async Task<IReadOnlyList<ChatAttachment>> GetPendingBeforeAsync(DateTimeOffset uploadedBefore, int limit, CancellationToken cancellationToken)
    {
        var before = EntityTime.ToStored(uploadedBefore);
        var found = await Attachments.AsNoTracking().Where(a => a.MessageId == null && a.UploadedAt < before)
            .OrderBy(a => a.UploadedAt).Take(limit).ToListAsync(cancellationToken).ConfigureAwait(false);
        return found.ConvertAll(a => a.ToAttachment());
    }

    /// <summary>
    /// Reads and deletes the matching records: called in a chat's unit of work, whose transaction (and
    /// lock of the chat, which a send batch takes too) holds both steps together.
    /// </summary>
    private async Task<IReadOnlyList<ChatAttachment>> RemoveWhereAsync(System.Linq.Expressions.Expression<Func<AttachmentEntity, bool>> match, CancellationToken cancellationToken)
    {
        var found = await Attachments.AsNoTracking().Where(match).ToListAsync(cancellationToken).ConfigureAwait(false);
        if (found.Count == 0)
        {
            return [];
        }

        var ids = found.ConvertAll(a => a.Id);
        await Attachments.Where(a => ids.Contains(a.Id)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        return found.ConvertAll(a => a.ToAttachment());
    }
}
