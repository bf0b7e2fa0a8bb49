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
/// fails is retried and then fails its senders with a typed error, never silently.
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

    private readonly IServiceScopeFactory _scopes;
    private readonly GroupCommitOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<PendingSend> _queue;
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
            _loop ??= Task.Run(RunAsync);
        }
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingSend>(_options.MaxBatchSize);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < _options.MaxBatchSize && reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            await WriteWithRetriesAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task WriteWithRetriesAsync(List<PendingSend> batch)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var outcomes = await WriteBatchAsync(batch).ConfigureAwait(false);
                ChatEngineMetrics.CommitBatchSize.Record(batch.Count);
                ChatEngineMetrics.CommitDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
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

                return;
            }
            catch (Exception ex) when (attempt < _options.MaxRetries)
            {
                LogBatchRetry(_logger, ex, batch.Count, attempt + 1);
            }
            catch (Exception ex)
            {
                LogBatchFailed(_logger, ex, batch.Count);
                var error = new ChatException(ChatErrorKind.Unavailable, ChatErrorCodes.StoreUnavailable, "The message could not be saved; it was not sent.", ex);
                foreach (var pending in batch)
                {
                    pending.Fail(error);
                }

                return;
            }
        }
    }

    /// <summary>Writes one batch in one transaction; returns, per send, its result or its own error.</summary>
    private async Task<object[]> WriteBatchAsync(List<PendingSend> batch)
    {
        var outcomes = new object[batch.Count];
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        await using var transaction = await db.Database.BeginTransactionAsync().ConfigureAwait(false);
        var connection = db.Database.GetDbConnection();
        var dbTransaction = transaction.GetDbTransaction();
        var rowsPerStatement = db.Database.IsSqlite() ? SqliteRowsPerStatement : RowsPerStatement;

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
        // Rows are locked in id order, chats then members, the same on every host: writers on several
        // hosts then wait for each other at worst, and never deadlock.
        foreach (var chat in fresh.GroupBy(i => batch[i].Draft.ChatId).OrderBy(c => c.Key))
        {
            var indexes = chat.ToArray();
            var last = await ReserveSequencesAsync(connection, dbTransaction, chat.Key, indexes.Length).ConfigureAwait(false);
            if (last is null)
            {
                foreach (var i in indexes)
                {
                    outcomes[i] = new ChatException(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, "Chat not found.");
                }

                continue;
            }

            var sequence = last.Value - indexes.Length;
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
    /// The stored messages whose (chat, sender, client id) a send of this batch repeats. Each key is
    /// looked up exactly, on the unique index: a looser filter (chats IN ... AND client ids IN ...)
    /// would scan the chats' whole history on every batch.
    /// </summary>
    private static async Task<Dictionary<(long, long, string), ChatMessage>> FindExistingClientIdsAsync(DbConnection connection, DbTransaction transaction, List<PendingSend> batch, int rowsPerStatement)
    {
        var keys = batch.Where(p => p.Draft.ClientId is not null).Select(p => (p.Draft.ChatId, p.Draft.SenderId, ClientId: p.Draft.ClientId!)).Distinct().ToArray();
        var found = new Dictionary<(long, long, string), ChatMessage>();
        foreach (var chunk in keys.Chunk(rowsPerStatement))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder($"""SELECT "Id", "ChatId", "Sequence", "SenderId", "Text", "SentAt", "ClientId" FROM "{ChatTables.Messages}" WHERE """);
            for (var i = 0; i < chunk.Length; i++)
            {
                sql.Append(i == 0 ? "" : " OR ").Append(CultureInfo.InvariantCulture, $"(\"ChatId\" = {chunk[i].ChatId} AND \"SenderId\" = {chunk[i].SenderId} AND \"ClientId\" = @k{i})");
                AddParameter(command, $"@k{i}", chunk[i].ClientId);
            }

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
    /// Raises the chat's last sequence by <paramref name="count"/> and returns the new value, or null
    /// if the chat is gone. The row update also serializes writers of one chat across processes
    /// until commit, which keeps sequences gapless without blocking other chats.
    /// </summary>
    private static async Task<long?> ReserveSequencesAsync(DbConnection connection, DbTransaction transaction, long chatId, int count)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""UPDATE "{ChatTables.Chats}" SET "LastSequence" = "LastSequence" + @count WHERE "Id" = @chat RETURNING "LastSequence" """;
        AddParameter(command, "@count", (long)count);
        AddParameter(command, "@chat", chatId);
        var result = await command.ExecuteScalarAsync().ConfigureAwait(false);
        return result is null or DBNull ? null : Convert.ToInt64(result, CultureInfo.InvariantCulture);
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

    private static async Task AdvanceSenderReadPositionsAsync(DbConnection connection, DbTransaction transaction, IEnumerable<MessageEntity> messages)
    {
        var positions = messages.GroupBy(m => (m.ChatId, m.SenderId))
            .Select(g => (g.Key.ChatId, g.Key.SenderId, Sequence: g.Max(m => m.Sequence)))
            .OrderBy(p => p.ChatId).ThenBy(p => p.SenderId);
        foreach (var position in positions)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"""
                UPDATE "{ChatTables.Members}" SET "LastReadSequence" = CASE WHEN "LastReadSequence" < @seq THEN @seq ELSE "LastReadSequence" END
                WHERE "ChatId" = @chat AND "UserId" = @user
                """;
            AddParameter(command, "@seq", position.Sequence);
            AddParameter(command, "@chat", position.ChatId);
            AddParameter(command, "@user", position.SenderId);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
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

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Writing a batch of {Count} messages failed; its senders were told.")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);
}
