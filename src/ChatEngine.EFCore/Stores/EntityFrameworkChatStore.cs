using Microsoft.EntityFrameworkCore;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>Chats, memberships, read marks and last-seen times in any DbContext whose model has <c>UseChatEngine()</c>.</summary>
/// <typeparam name="TContext">The DbContext.</typeparam>
public sealed class EntityFrameworkChatStore<TContext> : IChatStore, IChatMemberStore, IChatNotificationStore, ILastSeenStore, IChatChangeLog
    where TContext : DbContext
{
    private readonly Lazy<TContext> _context;
    private readonly GroupCommitWriter<TContext>? _writer;

    /// <summary>Creates the store over a context (scoped, one per request or connection).</summary>
    public EntityFrameworkChatStore(TContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = new Lazy<TContext>(() => context);
    }

    /// <summary>
    /// Takes the context only when a query needs it: resolving a service that depends on this store
    /// (a send checks nothing here) then rents no pooled context. Read marks outside a unit of work go
    /// through <paramref name="writer"/>, the write loop.
    /// </summary>
    internal EntityFrameworkChatStore(Func<TContext> context, GroupCommitWriter<TContext> writer)
    {
        _context = new Lazy<TContext>(context);
        _writer = writer;
    }

    private TContext Db => _context.Value;

    private DbSet<ChatEntity> Chats => Db.Set<ChatEntity>();
    private DbSet<ChatMemberEntity> Members => Db.Set<ChatMemberEntity>();
    private DbSet<ChatBarEntity> Bars => Db.Set<ChatBarEntity>();
    private DbSet<MessageEntity> Messages => Db.Set<MessageEntity>();
    private DbSet<ReadMarkEntity> ReadMarks => Db.Set<ReadMarkEntity>();
    private DbSet<LastSeenEntity> LastSeen => Db.Set<LastSeenEntity>();
    private DbSet<ChangeEntity> Changes => Db.Set<ChangeEntity>();

    /// <summary>
    /// A transaction of this call's own, or none when the call runs inside a chat's unit of work
    /// (<see cref="IChatUnitOfWork"/>), whose transaction then covers it.
    /// </summary>
    private async Task<Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction?> BeginUnlessInUnitAsync(CancellationToken cancellationToken) =>
        Db.Database.CurrentTransaction is null ? await Db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false) : null;

    private static Task CommitIfOwnAsync(Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction? transaction, CancellationToken cancellationToken) =>
        transaction?.CommitAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>
    /// Stops tracking what this store just wrote: chats and members change later through bulk
    /// statements the tracker never sees (a stale tracked row would clash with the next insert of the
    /// same key), and the context may be the host's own, whose other entities are not ours to clear.
    /// </summary>
    private void Forget(IEnumerable<object> entities)
    {
        foreach (var entity in entities)
        {
            Db.Entry(entity).State = EntityState.Detached;
        }
    }

    /// <inheritdoc />
    public async Task<(Chat Chat, bool Created)> GetOrCreatePrivateChatAsync(PrivatePair pair, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        var existing = await FindPrivateAsync(pair, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return (existing.ToChat(), false);
        }

        var chat = new ChatEntity
        {
            Kind = ChatKind.Private,
            PairLowUserId = pair.LowUserId,
            PairHighUserId = pair.HighUserId,
            CreatedAt = EntityTime.ToStored(createdAt),
            Seq = 1,
        };
        try
        {
            await using var transaction = await BeginUnlessInUnitAsync(cancellationToken).ConfigureAwait(false);
            Chats.Add(chat);
            await Db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            ChatMemberEntity[] members =
            [
                new() { ChatId = chat.Id, UserId = pair.LowUserId, JoinedAt = chat.CreatedAt },
                new() { ChatId = chat.Id, UserId = pair.HighUserId, JoinedAt = chat.CreatedAt },
            ];
            Members.AddRange(members);
            var created = Changes.Add(Creation(chat, null, members)).Entity;
            await Db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await CommitIfOwnAsync(transaction, cancellationToken).ConfigureAwait(false);
            Forget([chat, created, .. members]);
            return (chat.ToChat(), true);
        }
        catch (DbUpdateException)
        {
            // Another request created the pair first: the unique index kept one chat; return it.
            Db.ChangeTracker.Clear();
            var winner = await FindPrivateAsync(pair, cancellationToken).ConfigureAwait(false);
            if (winner is null)
            {
                throw;
            }

            return (winner.ToChat(), false);
        }
    }

    /// <inheritdoc />
    public async Task<Chat> CreateGroupAsync(NewGroup group, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        var chat = new ChatEntity { Kind = ChatKind.Group, Name = group.Name, JoinCode = group.JoinCode, CreatedAt = EntityTime.ToStored(group.CreatedAt), Seq = 1 };
        try
        {
            await using var transaction = await BeginUnlessInUnitAsync(cancellationToken).ConfigureAwait(false);
            Chats.Add(chat);
            await Db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            var members = group.Members.DistinctBy(m => m.UserId)
                .Select(m => new ChatMemberEntity { ChatId = chat.Id, UserId = m.UserId, Role = m.Role, JoinedAt = chat.CreatedAt }).ToArray();
            Members.AddRange(members);
            var created = Changes.Add(Creation(chat, members.FirstOrDefault(m => m.Role == ChatRole.Owner)?.UserId, members)).Entity;
            await Db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await CommitIfOwnAsync(transaction, cancellationToken).ConfigureAwait(false);
            Forget([chat, created, .. members]);
            return chat.ToChat();
        }
        catch (DbUpdateException ex)
        {
            Db.ChangeTracker.Clear();
            if (await Chats.AnyAsync(c => c.JoinCode == group.JoinCode, cancellationToken).ConfigureAwait(false))
            {
                throw JoinCodeTaken(ex);
            }

            throw;
        }
    }

    /// <inheritdoc />
    public async Task<Chat?> FindByIdAsync(long chatId, CancellationToken cancellationToken) =>
        (await ChatRow.For(Db)(Db, chatId, cancellationToken).ConfigureAwait(false))?.ToChat();

    private static readonly CompiledPerModel<Func<TContext, long, CancellationToken, Task<ChatEntity?>>> ChatRow = new(() => EF.CompileAsyncQuery(
        (TContext db, long chatId, CancellationToken cancellationToken) => db.Set<ChatEntity>().AsNoTracking().FirstOrDefault(c => c.Id == chatId)));

    /// <inheritdoc />
    public async Task<Chat?> FindByJoinCodeAsync(string joinCode, CancellationToken cancellationToken) =>
        (await Chats.AsNoTracking().FirstOrDefaultAsync(c => c.JoinCode == joinCode, cancellationToken).ConfigureAwait(false))?.ToChat();

    /// <inheritdoc />
    public async Task<bool> SetNameAsync(long chatId, string name, CancellationToken cancellationToken) =>
        await Chats.Where(c => c.Id == chatId).ExecuteUpdateAsync(s => s.SetProperty(c => c.Name, name), cancellationToken).ConfigureAwait(false) > 0;

    /// <inheritdoc />
    public async Task<bool> SetJoinCodeAsync(long chatId, string? joinCode, CancellationToken cancellationToken)
    {
        try
        {
            return await Chats.Where(c => c.Id == chatId).ExecuteUpdateAsync(s => s.SetProperty(c => c.JoinCode, joinCode), cancellationToken).ConfigureAwait(false) > 0;
        }
        catch (Exception ex) when (ex is DbUpdateException or System.Data.Common.DbException && joinCode is not null)
        {
            if (await Chats.AnyAsync(c => c.JoinCode == joinCode && c.Id != chatId, cancellationToken).ConfigureAwait(false))
            {
                throw JoinCodeTaken(ex);
            }

            throw;
        }
    }

    /// <inheritdoc />
    public async Task DeleteAsync(long chatId, CancellationToken cancellationToken)
    {
        if (Db.Database.CurrentTransaction is null)
        {
            await SearchIndexSql.EnsureAsync(Db).ConfigureAwait(false);
        }

        await using var transaction = await BeginUnlessInUnitAsync(cancellationToken).ConfigureAwait(false);
        // Taken first (a unit holds it already), the chat's lock lets no write loop add a message after
        // those below are deleted: the messages have no foreign key that would delete it with the chat.
        await ChatRowLock.TakeAsync(Db, chatId, cancellationToken).ConfigureAwait(false);

        if (Db.Database.IsSqlite())
        {
            // The FTS table has no key to the messages: their entries go first (PostgreSQL's go with the rows).
            await Db.Database.ExecuteSqlRawAsync(
                $"DELETE FROM \"{SearchIndexSql.Fts}\" WHERE rowid IN (SELECT \"Id\" FROM \"{ChatTables.Messages}\" WHERE \"ChatId\" = {{0}})", [chatId], cancellationToken).ConfigureAwait(false);
        }

        await ReadMarks.Where(m => m.ChatId == chatId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await Db.Set<ReactionEntity>().Where(r => r.ChatId == chatId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await Db.Set<MentionEntity>().Where(m => m.ChatId == chatId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await Changes.Where(c => c.ChatId == chatId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await Messages.Where(m => m.ChatId == chatId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await Members.Where(m => m.ChatId == chatId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await Bars.Where(b => b.ChatId == chatId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await Db.Set<BanEntity>().Where(b => b.ChatId == chatId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await Db.Set<ReportEntity>().Where(r => r.ChatId == chatId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await Chats.Where(c => c.Id == chatId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        await CommitIfOwnAsync(transaction, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<long> AppendAsync(ChatChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        await using var transaction = await BeginUnlessInUnitAsync(cancellationToken).ConfigureAwait(false);

        // The same counter the send path raises, in the same row: numbers stay gapless across both.
        var seq = await Db.Database
            .SqlQueryRaw<long>($$"""UPDATE "{{ChatTables.Chats}}" SET "Seq" = "Seq" + 1 WHERE "Id" = {0} RETURNING "Seq" AS "Value" """, change.ChatId)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (seq.Count == 0)
        {
            return 0;
        }

        var entity = Changes.Add(ChangeData.ToEntity(change, seq[0])).Entity;
        await Db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await CommitIfOwnAsync(transaction, cancellationToken).ConfigureAwait(false);
        Forget([entity]);
        return seq[0];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ChatLogEntry>> GetAfterAsync(long chatId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        // Both lists are read by their (chat, seq) keys; the first `limit` of their merge is the page.
        var messages = await LoggedMessagesAfter.For(Db)(Db, chatId, afterSeq, limit)
            .ReadAllAsync(m => new ChatLogEntry(m.Seq, m.ToMessage(), null), cancellationToken).ConfigureAwait(false);
        var changes = await LoggedChangesAfter.For(Db)(Db, chatId, afterSeq, limit)
            .ReadAllAsync(c => new ChatLogEntry(c.Seq, null, ChangeData.FromEntity(c)), cancellationToken).ConfigureAwait(false);
        return messages.Concat(changes).OrderBy(e => e.Seq).Take(limit).ToArray();
    }

    // Compiled (see CompiledPerModel): every catch-up, replay page and webhook body reads them.
    private static readonly CompiledPerModel<Func<TContext, long, long, int, IAsyncEnumerable<MessageEntity>>> LoggedMessagesAfter = new(() => EF.CompileAsyncQuery(
        (TContext db, long chatId, long afterSeq, int limit) => db.Set<MessageEntity>().AsNoTracking()
            .Where(m => m.ChatId == chatId && m.Seq > afterSeq)
            .OrderBy(m => m.Seq)
            .Take(limit)));

    private static readonly CompiledPerModel<Func<TContext, long, long, int, IAsyncEnumerable<ChangeEntity>>> LoggedChangesAfter = new(() => EF.CompileAsyncQuery(
        (TContext db, long chatId, long afterSeq, int limit) => db.Set<ChangeEntity>().AsNoTracking()
            .Where(c => c.ChatId == chatId && c.Seq > afterSeq)
            .OrderBy(c => c.Seq)
            .Take(limit)));

    /// <inheritdoc />
    public async Task<IReadOnlyList<ReadPosition>> GetReadPositionsSinceAsync(long chatId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        // One query, each step a key lookup: the member's last mark by (chat, user, position), its message by (chat, sequence).
        var after = EntityTime.ToStored(since);
        var rows = await (
                from member in Members
                where member.ChatId == chatId && member.LastMarkedSequence > 0
                join mark in ReadMarks on new { member.ChatId, member.UserId, Up = member.LastMarkedSequence } equals new { mark.ChatId, mark.UserId, Up = mark.UpToSequence }
                where mark.ReadAt >= after
                join message in Messages on new { mark.ChatId, Up = mark.UpToSequence } equals new { message.ChatId, Up = message.Sequence }
                select new { mark.UserId, MessageId = message.Id, mark.UpToSequence, mark.ReadAt })
            .AsNoTracking()
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return rows.Select(r => new ReadPosition(r.UserId, r.MessageId, r.UpToSequence, EntityTime.FromStored(r.ReadAt))).ToArray();
    }

    private static ChangeEntity Creation(ChatEntity chat, long? byUserId, IEnumerable<ChatMemberEntity> members) => ChangeData.ToEntity(
        new ChatChange
        {
            ChatId = chat.Id,
            Kind = ChatChangeKind.MemberAdded,
            Time = EntityTime.FromStored(chat.CreatedAt),
            ByUserId = byUserId,
            Members = members.Select(m => new ChangedMember(m.UserId, m.Role)).ToArray(),
        },
        seq: 1);

    /// <inheritdoc />
    public async Task<IReadOnlyList<ChatSummary>> GetSummariesAsync(long userId, ChatKind kind, CancellationToken cancellationToken) =>
        await SummaryRows.For(Db)(Db, userId, kind).ReadAllAsync(
            row => new ChatSummary
            {
                Chat = row.Chat.ToChat(), LastMessage = row.Last?.ToMessage(), LastReadSequence = row.LastReadSequence, Mentions = row.Mentions,
                NotifyLevel = row.NotifyLevel, MutedUntil = row.MutedUntil is { } until ? EntityTime.FromStored(until) : null,
            },
            cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// A user's chats of one kind in one round trip, however many: the last message is found by its
    /// (chat, sequence) key, and the unread mentions by an index seek on (user, chat, sequence).
    /// Compiled (see <see cref="CompiledPerModel{TQuery}"/>): every chat list asks it.
    /// </summary>
    private static readonly CompiledPerModel<Func<TContext, long, ChatKind, IAsyncEnumerable<SummaryRow>>> SummaryRows = new(() => EF.CompileAsyncQuery(
        (TContext db, long userId, ChatKind kind) => (
                from member in db.Set<ChatMemberEntity>()
                where member.UserId == userId
                join chat in db.Set<ChatEntity>() on member.ChatId equals chat.Id
                where chat.Kind == kind
                from last in db.Set<MessageEntity>().Where(m => m.ChatId == chat.Id && m.Sequence == chat.LastSequence).DefaultIfEmpty()
                select new SummaryRow(
                    chat,
                    member.LastReadSequence,
                    member.NotifyLevel,
                    member.MutedUntil,
                    last,
                    db.Set<MentionEntity>().LongCount(m => m.UserId == userId && m.ChatId == chat.Id && m.Sequence > member.LastReadSequence)))
            .AsNoTracking()));

    private sealed record SummaryRow(ChatEntity Chat, long LastReadSequence, NotifyLevel? NotifyLevel, DateTime? MutedUntil, MessageEntity? Last, long Mentions);

    /// <inheritdoc />
    public async Task<IReadOnlyList<long>> GetChatIdsForUserAsync(long userId, CancellationToken cancellationToken) =>
        await Members.Where(m => m.UserId == userId).OrderBy(m => m.ChatId).Select(m => m.ChatId).ToListAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<ChatMember?> FindAsync(long chatId, long userId, CancellationToken cancellationToken) =>
        (await MemberRow.For(Db)(Db, chatId, userId, cancellationToken).ConfigureAwait(false))?.ToMember();

    // Compiled (see CompiledPerModel): a chat's page and most commands look a member up.
    private static readonly CompiledPerModel<Func<TContext, long, long, CancellationToken, Task<ChatMemberEntity?>>> MemberRow = new(() => EF.CompileAsyncQuery(
        (TContext db, long chatId, long userId, CancellationToken cancellationToken) =>
            db.Set<ChatMemberEntity>().AsNoTracking().FirstOrDefault(m => m.ChatId == chatId && m.UserId == userId)));

    /// <inheritdoc />
    public async Task<IReadOnlyList<ChatMember>> GetMembersAsync(long chatId, CancellationToken cancellationToken) =>
        await MemberRows.For(Db)(Db, chatId).ReadAllAsync(row => row.ToMember(), cancellationToken).ConfigureAwait(false);

    private static readonly CompiledPerModel<Func<TContext, long, IAsyncEnumerable<ChatMemberEntity>>> MemberRows = new(() => EF.CompileAsyncQuery<TContext, long, ChatMemberEntity>(
        (TContext db, long chatId) => db.Set<ChatMemberEntity>().AsNoTracking()
            .Where(m => m.ChatId == chatId)
            .OrderBy(m => m.JoinedAt).ThenBy(m => m.UserId)));

    /// <inheritdoc />
    public async Task<bool> AddAsync(long chatId, long userId, ChatRole role, DateTimeOffset joinedAt, CancellationToken cancellationToken)
    {
        var lastSequence = await Chats.Where(c => c.Id == chatId).Select(c => (long?)c.LastSequence).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (lastSequence is null || await Members.AnyAsync(m => m.ChatId == chatId && m.UserId == userId, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var member = Members.Add(new ChatMemberEntity
        {
            ChatId = chatId,
            UserId = userId,
            Role = role,
            JoinedAt = EntityTime.ToStored(joinedAt),
            LastReadSequence = lastSequence.Value,
        });
        try
        {
            await using var transaction = await BeginUnlessInUnitAsync(cancellationToken).ConfigureAwait(false);
            await Db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await Bars.Where(b => b.ChatId == chatId && b.UserId == userId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            await CommitIfOwnAsync(transaction, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DbUpdateException)
        {
            // A concurrent join of the same user won the primary key: joining twice is harmless.
            if (await Members.AnyAsync(m => m.ChatId == chatId && m.UserId == userId, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            throw;
        }
        finally
        {
            Forget([member.Entity]);
        }
    }

    /// <inheritdoc />
    public async Task<bool> RemoveAsync(long chatId, long userId, bool bar, CancellationToken cancellationToken)
    {
        if (!bar)
        {
            return await Members.Where(m => m.ChatId == chatId && m.UserId == userId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false) > 0;
        }

        await using var transaction = await BeginUnlessInUnitAsync(cancellationToken).ConfigureAwait(false);
        if (await Members.Where(m => m.ChatId == chatId && m.UserId == userId).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            return false;
        }

        // Removed twice without a re-add in between (racing admins): one bar is enough.
        if (!await Bars.AnyAsync(b => b.ChatId == chatId && b.UserId == userId, cancellationToken).ConfigureAwait(false))
        {
            var barred = new ChatBarEntity { ChatId = chatId, UserId = userId };
            Bars.Add(barred);
            await Db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            Forget([barred]);
        }

        await CommitIfOwnAsync(transaction, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public Task<bool> IsBarredAsync(long chatId, long userId, CancellationToken cancellationToken) =>
        Bars.AnyAsync(b => b.ChatId == chatId && b.UserId == userId, cancellationToken);

    /// <inheritdoc />
    public async Task<bool> SetRoleAsync(long chatId, long userId, ChatRole role, CancellationToken cancellationToken) =>
        await Members.Where(m => m.ChatId == chatId && m.UserId == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Role, role), cancellationToken).ConfigureAwait(false) > 0;

    /// <inheritdoc />
    public async Task<bool> SetNotificationsAsync(long chatId, long userId, ChatNotificationSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        DateTime? until = settings.MutedUntil is { } muted ? EntityTime.ToStored(muted) : null;
        return await Members.Where(m => m.ChatId == chatId && m.UserId == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.NotifyLevel, settings.Level).SetProperty(m => m.MutedUntil, until), cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Outside a chat's unit of work, a store made by <c>AddEntityFrameworkStores</c> hands the mark
    /// to the write loop, which writes it in the transaction of the batch it joins: a transaction of
    /// its own for each mark cost a sync each, and on SQLite waited for (and made wait) the loop's
    /// write lock, so marks from members reading as messages arrive slowed every send.
    /// </remarks>
    public async Task<bool> MarkReadAsync(long chatId, long userId, long upToSequence, DateTimeOffset readAt, CancellationToken cancellationToken)
    {
        if (_writer is not null && Db.Database.CurrentTransaction is null)
        {
            return await _writer.MarkReadAsync(chatId, userId, upToSequence, readAt, cancellationToken).ConfigureAwait(false);
        }

        await using var transaction = await BeginUnlessInUnitAsync(cancellationToken).ConfigureAwait(false);
        if (transaction is not null)
        {
            // On PostgreSQL a write loop marks a batch's members at once from what its statement reads,
            // trusting the chat's lock to keep those rows still: a mark outside the loops and units takes
            // it too (on SQLite it is the database's write lock, which the update would take anyway).
            await ChatRowLock.TakeAsync(Db, chatId, cancellationToken).ConfigureAwait(false);
        }

        // The conditional update is the atomic compare: of two racing marks, only a forward one logs.
        var moved = await Members
            .Where(m => m.ChatId == chatId && m.UserId == userId && m.LastMarkedSequence < upToSequence)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.LastMarkedSequence, upToSequence)
                .SetProperty(m => m.LastReadSequence, m => m.LastReadSequence < upToSequence ? upToSequence : m.LastReadSequence),
                cancellationToken)
            .ConfigureAwait(false);
        if (moved == 0)
        {
            return false;
        }

        ReadMarks.Add(new ReadMarkEntity { ChatId = chatId, UserId = userId, UpToSequence = upToSequence, ReadAt = EntityTime.ToStored(readAt) });
        await Db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await CommitIfOwnAsync(transaction, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ReadMark>> GetReadMarksAsync(long chatId, long fromSequence, long toSequence, CancellationToken cancellationToken) =>
        await ReadMarkRows.For(Db)(Db, chatId, fromSequence, toSequence).ReadAllAsync(row => row.ToReadMark(), cancellationToken).ConfigureAwait(false);

    // The marks in the range, and each reader's first mark after it (which covers the range's end too).
    private static readonly CompiledPerModel<Func<TContext, long, long, long, IAsyncEnumerable<ReadMarkEntity>>> ReadMarkRows = new(() => EF.CompileAsyncQuery(
        (TContext db, long chatId, long fromSequence, long toSequence) => db.Set<ReadMarkEntity>().AsNoTracking()
            .Where(m => m.ChatId == chatId && m.UpToSequence >= fromSequence && (m.UpToSequence <= toSequence
                || m.UpToSequence == db.Set<ReadMarkEntity>()
                    .Where(x => x.ChatId == chatId && x.UserId == m.UserId && x.UpToSequence > toSequence)
                    .Min(x => x.UpToSequence)))));

    /// <inheritdoc />
    public async Task SetLastSeenAsync(long userId, DateTimeOffset lastSeenAt, CancellationToken cancellationToken)
    {
        var stored = EntityTime.ToStored(lastSeenAt);
        if (await LastSeen.Where(l => l.UserId == userId).ExecuteUpdateAsync(s => s.SetProperty(l => l.LastSeenAt, stored), cancellationToken).ConfigureAwait(false) > 0)
        {
            return;
        }

        LastSeen.Add(new LastSeenEntity { UserId = userId, LastSeenAt = stored });
        try
        {
            await Db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            // Another connection of the user wrote first; the later time wins.
            Db.ChangeTracker.Clear();
            await LastSeen.Where(l => l.UserId == userId && l.LastSeenAt < stored)
                .ExecuteUpdateAsync(s => s.SetProperty(l => l.LastSeenAt, stored), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<long, DateTimeOffset>> GetLastSeenAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
    {
        var seen = new Dictionary<long, DateTimeOffset>();
        await foreach (var row in LastSeenRows.For(Db)(Db, userIds.Distinct().ToArray()).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            seen[row.UserId] = EntityTime.FromStored(row.LastSeenAt);
        }

        return seen;
    }

    private static readonly CompiledPerModel<Func<TContext, long[], IAsyncEnumerable<LastSeenEntity>>> LastSeenRows = new(() => EF.CompileAsyncQuery(
        (TContext db, long[] ids) => db.Set<LastSeenEntity>().AsNoTracking().Where(l => ids.Contains(l.UserId))));

    private Task<ChatEntity?> FindPrivateAsync(PrivatePair pair, CancellationToken cancellationToken) =>
        Chats.AsNoTracking().FirstOrDefaultAsync(c => c.PairLowUserId == pair.LowUserId && c.PairHighUserId == pair.HighUserId, cancellationToken);

    private static ChatException JoinCodeTaken(Exception inner) =>
        new(ChatErrorKind.Conflict, ChatErrorCodes.Duplicate, "The join code is already in use.", inner);
}
