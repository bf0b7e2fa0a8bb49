using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// The send path. One loop per process drains a bounded queue of sends and writes whatever is
/// waiting in one transaction: a SaveChanges per message costs one fsync each (a few hundred per
/// second on SQLite), a batch costs one for all. No timer holds a batch back: while one commits,
/// the next one gathers. Each sender is answered only after its own batch commits; a batch that
/// fails is retried and then fails its senders with a typed error, never silently. Senders are
/// answered on a second loop, batch after batch in commit order, so the next batch is written while
/// the last one's senders publish and fan out.
/// </summary>
internal sealed partial class GroupCommitWriter<TContext> : IAsyncDisposable
    where TContext : DbContext
{
    // Rows per statement. Ids and sequences are written into the SQL as numbers and only text, times
    // and client ids are parameters: SQLite finds each bound parameter by name with a linear search,
    // so a statement's binding cost grows with the square of its parameters. Small statements there;
    // PostgreSQL binds by position and pays a round trip per statement instead, so larger ones.
    private const int SqliteRowsPerStatement = 32;
    private const int RowsPerStatement = 100;
    private const int SqliteWalCheckpointPages = 10_000;

    private readonly IServiceScopeFactory _scopes;
    private readonly GroupCommitOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<PendingSend> _queue;
    private readonly Channel<WrittenBatch> _written;
    private readonly Lock _startLock = new();
    private Task? _loop;

    public GroupCommitWriter(IServiceScopeFactory scopes, IOptions<GroupCommitOptions> options, ILogger<GroupCommitWriter<TContext>> logger)
    {
        _scopes = scopes;
        _options = options.Value;
        _logger = logger;
        _queue = Channel.CreateBounded<PendingSend>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

        // A written batch waits here while the one before it is answered; the writer waits behind it,
        // so answering never falls more than a batch behind.
        _written = Channel.CreateBounded<WrittenBatch>(new BoundedChannelOptions(1)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public async Task<MessageAppendResult> AppendAsync(MessageDraft draft, CancellationToken cancellationToken)
    {
        EnsureStarted();
        var pending = new PendingSend(draft);
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            throw new ChatException(ChatErrorKind.Unavailable, ChatErrorCodes.StoreUnavailable, "The server is shutting down; the message was not sent.", ex);
        }

        // A sender that stops waiting does not un-send: a retry with the same client id finds the message.
        return await pending.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops taking sends and commits (or fails) every one already queued.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        Task? loop;
        lock (_startLock)
        {
            loop = _loop;
        }

        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }
    }

    private void EnsureStarted()
    {
        if (_loop is not null)
        {
            return;
        }

        lock (_startLock)
        {
            _loop ??= Task.WhenAll(Task.Run(RunAsync), Task.Run(AnswerAsync));
        }
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                var batch = new List<PendingSend>(Math.Min(reader.Count, _options.MaxBatchSize));
                while (batch.Count < _options.MaxBatchSize && reader.TryRead(out var pending))
                {
                    batch.Add(pending);
                }

                await _written.Writer.WriteAsync(new WrittenBatch(batch, await WriteWithRetriesAsync(batch).ConfigureAwait(false))).ConfigureAwait(false);
            }
        }
        finally
        {
            _written.Writer.TryComplete();
        }
    }

    /// <summary>
    /// Answers the senders of each written batch in commit order. Their continuations run inline (see
    /// <see cref="PendingSend"/>): each sender publishes before the next one is answered.
    /// </summary>
    private async Task AnswerAsync()
    {
        await foreach (var (batch, outcomes) in _written.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                switch (outcomes[i])
                {
                    case MessageAppendResult result:
                        batch[i].Complete(result);
                        break;
                    case Exception error:
                        batch[i].Fail(error);
                        break;
                }
            }
        }
    }

    /// <summary>
    /// Writes a batch, retrying a failed transaction; returns, per send, its result or its error. A
    /// batch that still fails for something other than a transient fault is split (see
    /// <see cref="WriteHalvesAsync"/>), so one send that cannot be stored fails alone.
    /// </summary>
    private async Task<object[]> WriteWithRetriesAsync(List<PendingSend> batch)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await WriteMeasuredAsync(batch).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < _options.MaxRetries)
            {
                LogBatchRetry(_logger, ex, batch.Count, attempt + 1);
            }
            catch (Exception ex) when (batch.Count > 1 && !IsTransient(ex))
            {
                LogBatchSplit(_logger, ex, batch.Count);
                return await WriteHalvesAsync(batch).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogBatchFailed(_logger, ex, batch.Count);
                return Failed(batch.Count, ex);
            }
        }
    }

    /// <summary>
    /// Writes each half of a failed batch in its own transaction, in order (so each chat's sequence
    /// still follows the send order), splitting again whichever half fails, down to the single send
    /// that cannot be stored. A poison row then costs a few transactions, never the other senders.
    /// </summary>
    private async Task<object[]> WriteHalvesAsync(List<PendingSend> batch)
    {
        var half = batch.Count / 2;
        var first = await WriteOnceOrSplitAsync(batch.GetRange(0, half)).ConfigureAwait(false);
        var second = await WriteOnceOrSplitAsync(batch.GetRange(half, batch.Count - half)).ConfigureAwait(false);
        return [.. first, .. second];
    }

    private async Task<object[]> WriteOnceOrSplitAsync(List<PendingSend> part)
    {
        try
        {
            return await WriteMeasuredAsync(part).ConfigureAwait(false);
        }
        catch (Exception ex) when (part.Count > 1 && !IsTransient(ex))
        {
            return await WriteHalvesAsync(part).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogBatchFailed(_logger, ex, part.Count);
            return Failed(part.Count, ex);
        }
    }

    private async Task<object[]> WriteMeasuredAsync(List<PendingSend> batch)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var outcomes = await WriteBatchAsync(batch).ConfigureAwait(false);
        ChatEngineMetrics.CommitBatchSize.Record(batch.Count);
        ChatEngineMetrics.CommitDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return outcomes;
    }

    /// <summary>A fault of the connection or server rather than of the batch's data: splitting would not help.</summary>
    private static bool IsTransient(Exception exception) =>
        exception is DbException { IsTransient: true } or TimeoutException;

    private static object[] Failed(int count, Exception cause)
    {
        var error = new ChatException(ChatErrorKind.Unavailable, ChatErrorCodes.StoreUnavailable, "The message could not be saved; it was not sent.", cause);
        return Enumerable.Repeat<object>(error, count).ToArray();
    }

    /// <summary>Writes one batch in one transaction; returns, per send, its result or its own error.</summary>
    private async Task<object[]> WriteBatchAsync(List<PendingSend> batch)
    {
        var outcomes = new object[batch.Count];
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var isSqlite = db.Database.IsSqlite();
        if (isSqlite)
        {
            await TuneSqliteConnectionAsync(db).ConfigureAwait(false);
        }

        await using var transaction = await db.Database.BeginTransactionAsync().ConfigureAwait(false);
        var connection = db.Database.GetDbConnection();
        var dbTransaction = transaction.GetDbTransaction();
        var rowsPerStatement = isSqlite ? SqliteRowsPerStatement : RowsPerStatement;

        // Only members send: checked here, in the transaction, with one query for the whole batch.
        var members = await FindMembersAsync(connection, dbTransaction, batch).ConfigureAwait(false);

        // Retries of a client id return the first message, whether it is stored or earlier in this batch.
        var firstByClientId = new Dictionary<(long, long, string), int>();
        var existing = await FindExistingClientIdsAsync(connection, dbTransaction, batch, rowsPerStatement).ConfigureAwait(false);
        var fresh = new List<int>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var draft = batch[i].Draft;
            if (!members.Contains((draft.ChatId, draft.SenderId)))
            {
                outcomes[i] = new ChatException(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, "Chat not found.");
                continue;
            }

            if (draft.ClientId is { } clientId)
            {
                var key = (draft.ChatId, draft.SenderId, clientId);
                if (existing.TryGetValue(key, out var stored))
                {
                    outcomes[i] = new MessageAppendResult(stored, false);
                    continue;
                }

                if (!firstByClientId.TryAdd(key, i))
                {
                    continue;
                }
            }

            fresh.Add(i);
        }

        var messages = new Dictionary<int, MessageEntity>(fresh.Count);
        var byChat = fresh.GroupBy(i => batch[i].Draft.ChatId).ToDictionary(c => c.Key, c => c.ToArray());
        var lastSequences = await ReserveSequencesAsync(connection, dbTransaction, byChat, lockRowsFirst: !isSqlite).ConfigureAwait(false);
        foreach (var (chatId, indexes) in byChat)
        {
            if (!lastSequences.TryGetValue(chatId, out var last))
            {
                foreach (var i in indexes)
                {
                    outcomes[i] = new ChatException(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, "Chat not found.");
                }

                continue;
            }

            var sequence = last - indexes.Length;
            foreach (var i in indexes)
            {
                var draft = batch[i].Draft;
                messages[i] = new MessageEntity
                {
                    ChatId = draft.ChatId,
                    Sequence = ++sequence,
                    SenderId = draft.SenderId,
                    Text = draft.Text,
                    SentAt = EntityTime.ToStored(draft.SentAt),
                    ClientId = draft.ClientId,
                };
            }
        }

        await InsertMessagesAsync(connection, dbTransaction, messages.Values.ToList(), rowsPerStatement).ConfigureAwait(false);
        await AdvanceSenderReadPositionsAsync(connection, dbTransaction, messages.Values).ConfigureAwait(false);
        await transaction.CommitAsync().ConfigureAwait(false);

        foreach (var (i, entity) in messages)
        {
            outcomes[i] = new MessageAppendResult(entity.ToMessage(), true);
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (outcomes[i] is null && batch[i].Draft.ClientId is { } clientId)
            {
                var first = firstByClientId[(batch[i].Draft.ChatId, batch[i].Draft.SenderId, clientId)];
                outcomes[i] = outcomes[first] is MessageAppendResult result ? result with { Created = false } : outcomes[first];
            }
        }

        return outcomes;
    }

    /// <summary>
    /// Settings of the write loop's SQLite connection (they last as long as the pooled connection, and
    /// setting them again is cheap). A multi-row statement inside a transaction copies every page it
    /// touches to a statement journal, which spills to a temporary file past 64 KiB: a file created
    /// and written for each statement of each batch unless temporary storage is in memory. And every
    /// commit rewrites the same hot pages (the chats, the indexes' leaves) to the WAL: checkpointing
    /// every 1,000 pages (a few batches) copied them to the database file and synced it again and
    /// again; every 10,000 pages (a WAL of about 40 MB) copies each of them once per checkpoint.
    /// Neither changes durability: every commit is still synced to the WAL before it is answered.
    /// </summary>
    private static async Task TuneSqliteConnectionAsync(DbContext db)
    {
        await db.Database.OpenConnectionAsync().ConfigureAwait(false);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = {SqliteWalCheckpointPages};";
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Which (chat, sender) pairs of the batch are memberships. One query on the chats and senders
    /// of the batch (the members key is (chat, user)); pairs outside the batch are dropped here.
    /// </summary>
    private static async Task<HashSet<(long ChatId, long UserId)>> FindMembersAsync(DbConnection connection, DbTransaction transaction, List<PendingSend> batch)
    {
        var pairs = batch.Select(p => (p.Draft.ChatId, p.Draft.SenderId)).ToHashSet();
        var chats = pairs.Select(p => p.ChatId).Distinct().ToArray();
        var senders = pairs.Select(p => p.SenderId).Distinct().ToArray();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            SELECT "ChatId", "UserId" FROM "{ChatTables.Members}"
            WHERE "ChatId" IN ({Numbers(chats)}) AND "UserId" IN ({Numbers(senders)})
            """;
        var members = new HashSet<(long, long)>();
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            var pair = (reader.GetInt64(0), reader.GetInt64(1));
            if (pairs.Contains(pair))
            {
                members.Add(pair);
            }
        }

        return members;
    }

    /// <summary>
    /// The stored messages whose (chat, sender, client id) a send of this batch repeats. The keys are
    /// joined as a VALUES list to the unique index, each looked up exactly: a looser filter (chats
    /// IN ... AND client ids IN ...) would scan the chats' whole history on every batch, and OR-ed
    /// conditions cost SQLite's planner far more than the lookups themselves.
    /// </summary>
    private static async Task<Dictionary<(long, long, string), ChatMessage>> FindExistingClientIdsAsync(DbConnection connection, DbTransaction transaction, List<PendingSend> batch, int rowsPerStatement)
    {
        var keys = batch.Where(p => p.Draft.ClientId is not null).Select(p => (p.Draft.ChatId, p.Draft.SenderId, ClientId: p.Draft.ClientId!)).Distinct().ToArray();
        var found = new Dictionary<(long, long, string), ChatMessage>();
        foreach (var chunk in keys.Chunk(rowsPerStatement))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder("SELECT m.\"Id\", m.\"ChatId\", m.\"Sequence\", m.\"SenderId\", m.\"Text\", m.\"SentAt\", m.\"ClientId\" FROM (VALUES ");
            for (var i = 0; i < chunk.Length; i++)
            {
                sql.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"({chunk[i].ChatId}, {chunk[i].SenderId}, @k{i})");
                AddParameter(command, $"@k{i}", chunk[i].ClientId);
            }

            sql.Append(CultureInfo.InvariantCulture, $"""
                ) AS v JOIN "{ChatTables.Messages}" AS m
                ON m."ChatId" = v.column1 AND m."SenderId" = v.column2 AND m."ClientId" = v.column3
                """);
            command.CommandText = sql.ToString();
            await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                var message = new MessageEntity
                {
                    Id = reader.GetInt64(0),
                    ChatId = reader.GetInt64(1),
                    Sequence = reader.GetInt64(2),
                    SenderId = reader.GetInt64(3),
                    Text = reader.GetString(4),
                    SentAt = reader.GetFieldValue<DateTime>(5),
                    ClientId = reader.GetString(6),
                };
                found[(message.ChatId, message.SenderId, message.ClientId)] = message.ToMessage();
            }
        }

        return found;
    }

    /// <summary>
    /// Raises each chat's last sequence by its number of sends, in one statement, and returns the
    /// new values (a chat that is gone is missing). The row updates also serialize writers of one
    /// chat across processes until commit, which keeps sequences gapless without blocking other
    /// chats. PostgreSQL first locks the rows in id order, the same on every host, so writers on
    /// several hosts wait for each other at worst and never deadlock (one UPDATE locks rows in
    /// whatever order its plan visits them). SQLite has one writer at a time anyway.
    /// </summary>
    private static async Task<Dictionary<long, long>> ReserveSequencesAsync(DbConnection connection, DbTransaction transaction, Dictionary<long, int[]> byChat, bool lockRowsFirst)
    {
        var reserved = new Dictionary<long, long>(byChat.Count);
        if (byChat.Count == 0)
        {
            return reserved;
        }

        var chats = Numbers(byChat.Keys.Order());
        var sql = new StringBuilder();
        if (lockRowsFirst)
        {
            sql.Append(CultureInfo.InvariantCulture, $"""SELECT "Id" FROM "{ChatTables.Chats}" WHERE "Id" IN ({chats}) ORDER BY "Id" FOR UPDATE; """);
        }

        sql.Append(CultureInfo.InvariantCulture, $"""UPDATE "{ChatTables.Chats}" SET "LastSequence" = "LastSequence" + CASE "Id" """);
        foreach (var (chatId, indexes) in byChat)
        {
            sql.Append(CultureInfo.InvariantCulture, $" WHEN {chatId} THEN {indexes.Length}");
        }

        sql.Append(CultureInfo.InvariantCulture, $""" END WHERE "Id" IN ({chats}) RETURNING "Id", "LastSequence" """);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql.ToString();
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        do
        {
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                if (reader.FieldCount == 2)
                {
                    reserved[reader.GetInt64(0)] = reader.GetInt64(1);
                }
            }
        }
        while (await reader.NextResultAsync().ConfigureAwait(false));

        return reserved;
    }

    private static async Task InsertMessagesAsync(DbConnection connection, DbTransaction transaction, List<MessageEntity> messages, int rowsPerStatement)
    {
        foreach (var chunk in messages.Chunk(rowsPerStatement))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder($"""INSERT INTO "{ChatTables.Messages}" ("ChatId", "Sequence", "SenderId", "Text", "SentAt", "ClientId") VALUES """);
            for (var row = 0; row < chunk.Length; row++)
            {
                var m = chunk[row];
                sql.Append(row == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"({m.ChatId}, {m.Sequence}, {m.SenderId}, @t{row}, @a{row}, @k{row})");
                AddParameter(command, $"@t{row}", m.Text);
                AddParameter(command, $"@a{row}", m.SentAt);
                AddParameter(command, $"@k{row}", (object?)m.ClientId ?? DBNull.Value);
            }

            // Row order of RETURNING is not promised, so ids are matched back by (chat, sequence).
            sql.Append(""" RETURNING "Id", "ChatId", "Sequence" """);
            command.CommandText = sql.ToString();
            var byKey = chunk.ToDictionary(m => (m.ChatId, m.Sequence));
            await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                byKey[(reader.GetInt64(1), reader.GetInt64(2))].Id = reader.GetInt64(0);
            }
        }
    }

    /// <summary>
    /// Moves each sender's read position up to their last message of the batch, in one statement.
    /// Only members of chats whose rows this transaction has locked are updated, so the chat locks
    /// already order these writers.
    /// </summary>
    private static async Task AdvanceSenderReadPositionsAsync(DbConnection connection, DbTransaction transaction, IEnumerable<MessageEntity> messages)
    {
        var positions = messages.GroupBy(m => (m.ChatId, m.SenderId))
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"({g.Key.ChatId}, {g.Key.SenderId}, {g.Max(m => m.Sequence)})"))
            .ToList();
        if (positions.Count == 0)
        {
            return;
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            UPDATE "{ChatTables.Members}" AS m SET "LastReadSequence" = v.column3
            FROM (VALUES {string.Join(", ", positions)}) AS v
            WHERE m."ChatId" = v.column1 AND m."UserId" = v.column2 AND m."LastReadSequence" < v.column3
            """;
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    /// <summary>Server-made numbers (ids, sequences) written into SQL: never user input.</summary>
    private static string Numbers(IEnumerable<long> values) => string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Writing a batch of {Count} messages failed (attempt {Attempt}); retrying.")]
    private static partial void LogBatchRetry(ILogger logger, Exception exception, int count, int attempt);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Writing a batch of {Count} messages failed on every attempt; writing its halves apart so only the send that cannot be stored fails.")]
    private static partial void LogBatchSplit(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Writing a batch of {Count} messages failed; its senders were told.")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);

    private readonly record struct WrittenBatch(List<PendingSend> Sends, object[] Outcomes);
}
