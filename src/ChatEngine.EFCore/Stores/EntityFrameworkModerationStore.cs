using Microsoft.EntityFrameworkCore;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>Blocks, mutes, bans and reports in the chat database. The send path reads mutes and blocks in its own SQL (see <see cref="SendStatements"/>).</summary>
internal sealed class EntityFrameworkModerationStore<TContext>(Func<TContext> context) : IChatModerationStore
    where TContext : DbContext
{
    private DbSet<BlockEntity> Blocks => context().Set<BlockEntity>();

    private DbSet<BanEntity> Bans => context().Set<BanEntity>();

    private DbSet<ReportEntity> Reports => context().Set<ReportEntity>();

    public async Task<bool> AddBlockAsync(UserBlock block, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(block);
        var db = context();
        db.Add(new BlockEntity { UserId = block.UserId, BlockedUserId = block.BlockedUserId, At = EntityTime.ToStored(block.At) });
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DbUpdateException)
        {
            // Blocked twice at once: the other request stored it.
            db.ChangeTracker.Clear();
            return false;
        }
    }

    public async Task<bool> RemoveBlockAsync(long userId, long blockedUserId, CancellationToken cancellationToken) =>
        await Blocks.Where(b => b.UserId == userId && b.BlockedUserId == blockedUserId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false) > 0;

    public async Task<IReadOnlyList<UserBlock>> GetBlocksAsync(long userId, CancellationToken cancellationToken)
    {
        var db = context();
        return await BlockRows.For(db)(db, userId).ReadAllAsync(b => new UserBlock(b.UserId, b.BlockedUserId, EntityTime.FromStored(b.At)), cancellationToken).ConfigureAwait(false);
    }

    // Compiled (see CompiledPerModel): every chat list and private chat's page asks it.
    private static readonly CompiledPerModel<Func<TContext, long, IAsyncEnumerable<BlockEntity>>> BlockRows = new(() => EF.CompileAsyncQuery<TContext, long, BlockEntity>(
        (TContext db, long userId) => db.Set<BlockEntity>().AsNoTracking().Where(b => b.UserId == userId).OrderBy(b => b.At).ThenBy(b => b.BlockedUserId)));

    public async Task<IReadOnlyList<long>> GetBlockersAsync(long blockedUserId, IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        if (userIds.Count == 0)
        {
            return [];
        }

        var ids = userIds.Distinct().ToArray();
        return await Blocks.AsNoTracking().Where(b => b.BlockedUserId == blockedUserId && ids.Contains(b.UserId)).Select(b => b.UserId)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> SetMuteAsync(long chatId, long userId, MemberMute? mute, CancellationToken cancellationToken)
    {
        DateTime? at = mute is null ? null : EntityTime.ToStored(mute.At);
        DateTime? until = mute?.Until is { } end ? EntityTime.ToStored(end) : null;
        return await context().Set<ChatMemberEntity>().Where(m => m.ChatId == chatId && m.UserId == userId)
            .ExecuteUpdateAsync(
                set => set.SetProperty(m => m.MuteAt, at).SetProperty(m => m.MuteUntil, until).SetProperty(m => m.MuteBy, mute == null ? null : mute.ByUserId)
                    .SetProperty(m => m.MuteReason, mute == null ? null : mute.Reason),
                cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task SetBanAsync(ChatBan ban, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ban);
        var db = context();
        var entity = await Bans.FirstOrDefaultAsync(b => b.ChatId == ban.ChatId && b.UserId == ban.UserId, cancellationToken).ConfigureAwait(false);
        if (entity is null)
        {
            entity = new BanEntity { ChatId = ban.ChatId, UserId = ban.UserId };
            db.Add(entity);
        }

        entity.Until = ban.Until is { } until ? EntityTime.ToStored(until) : null;
        entity.Reason = ban.Reason;
        entity.ByUserId = ban.ByUserId;
        entity.At = EntityTime.ToStored(ban.At);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> RemoveBanAsync(long chatId, long userId, CancellationToken cancellationToken) =>
        await Bans.Where(b => b.ChatId == chatId && b.UserId == userId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false) > 0;

    public async Task<ChatBan?> FindBanAsync(long chatId, long userId, CancellationToken cancellationToken) =>
        (await Bans.AsNoTracking().FirstOrDefaultAsync(b => b.ChatId == chatId && b.UserId == userId, cancellationToken).ConfigureAwait(false))?.ToBan();

    public async Task<IReadOnlyList<ChatBan>> GetBansAsync(long chatId, CancellationToken cancellationToken) =>
        (await Bans.AsNoTracking().Where(b => b.ChatId == chatId).OrderByDescending(b => b.At).ThenByDescending(b => b.UserId).ToListAsync(cancellationToken).ConfigureAwait(false))
            .Select(b => b.ToBan()).ToArray();

    public async Task<(long Id, bool Created)> AddReportAsync(ChatReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var open = await Reports.AsNoTracking().Where(r => r.MessageId == report.MessageId && r.ReporterId == report.ReporterId).Select(r => (long?)r.Id)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (open is { } id)
        {
            return (id, false);
        }

        var db = context();
        var entity = new ReportEntity
        {
            ChatId = report.ChatId, MessageId = report.MessageId, ReporterId = report.ReporterId, Reason = report.Reason, Note = report.Note,
            At = EntityTime.ToStored(report.At), MessageSenderId = report.MessageSenderId, MessageText = report.MessageText,
            MessageSentAt = EntityTime.ToStored(report.MessageSentAt),
        };
        db.Add(entity);
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return (entity.Id, true);
        }
        catch (DbUpdateException)
        {
            // The same reporter twice at once: the other request stored it.
            db.ChangeTracker.Clear();
            var stored = await Reports.AsNoTracking().FirstAsync(r => r.MessageId == report.MessageId && r.ReporterId == report.ReporterId, cancellationToken).ConfigureAwait(false);
            return (stored.Id, false);
        }
    }

    public async Task<IReadOnlyList<ChatReport>> GetReportsAsync(long chatId, long? beforeId, int limit, CancellationToken cancellationToken)
    {
        var query = Reports.AsNoTracking().Where(r => r.ChatId == chatId);
        if (beforeId is { } before)
        {
            query = query.Where(r => r.Id < before);
        }

        return (await query.OrderByDescending(r => r.Id).Take(limit).ToListAsync(cancellationToken).ConfigureAwait(false)).Select(r => r.ToReport()).ToArray();
    }

    public async Task<IReadOnlyList<ChatReport>> GetAllReportsAsync(long? beforeId, int limit, CancellationToken cancellationToken)
    {
        var query = Reports.AsNoTracking();
        if (beforeId is { } before)
        {
            query = query.Where(r => r.Id < before);
        }

        return (await query.OrderByDescending(r => r.Id).Take(limit).ToListAsync(cancellationToken).ConfigureAwait(false)).Select(r => r.ToReport()).ToArray();
    }

    public async Task<int> CountReportsByAsync(long reporterId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var from = EntityTime.ToStored(since);
        return await Reports.CountAsync(r => r.ReporterId == reporterId && r.At >= from, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> ResolveReportAsync(long chatId, long reportId, CancellationToken cancellationToken) =>
        await Reports.Where(r => r.ChatId == chatId && r.Id == reportId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false) > 0;
}
