using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
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
/// the last one's senders publish and fan out. Read marks queue here too and join the batch in the
/// queue with them, so a reading member costs no transaction (and no sync) of its own.
/// </summary>
internal sealed partial class GroupCommitWriter<TContext> : IAsyncDisposable
    where TContext : DbContext
{
    private readonly IServiceScopeFactory _scopes;
    private readonly GroupCommitOptions _options;
    private readonly ILogger _logger;
    private readonly ChatEngineMetrics _metrics;
    private readonly Channel<PendingWrite> _queue;
    private readonly Channel<WrittenBatch> _written;
    private readonly Lock _startLock = new();
    private readonly SqliteCheckpoints<TContext> _checkpoints;
    private WriteSession? _session; // The write loop's alone.
    private Task? _loop;
    private int _loopThreadId;

    private static readonly TimeSpan TotalsInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The write loop's thread name, as tools that list a process's threads show it (Linux keeps 15
    /// characters): the load test reads this thread's time on a core, and waiting for one, from it.
    /// </summary>
    internal const string LoopThreadName = "Chat write loop";

    private long _messagesWritten;
    private long _batchesWritten;
    private long _totalsLoggedAt = System.Diagnostics.Stopwatch.GetTimestamp();

    public GroupCommitWriter(IServiceScopeFactory scopes, IOptions<GroupCommitOptions> options, ChatEngineMetrics metrics, TimeProvider time, ILogger<GroupCommitWriter<TContext>> logger)
    {
        _metrics = metrics;
        _scopes = scopes;
        _options = options.Value;
        _logger = logger;
        _checkpoints = new SqliteCheckpoints<TContext>(scopes, _options, time, logger);
        _queue = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(_options.QueueCapacity)
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

    /// <summary>
    /// Moves a member's read position in the next batch's transaction (see
    /// <see cref="IChatMemberStore.MarkReadAsync"/>); returns whether it moved.
    /// </summary>
    public async Task<bool> MarkReadAsync(long chatId, long userId, long upToSequence, DateTimeOffset readAt, CancellationToken cancellationToken)
    {
        EnsureStarted();
        var pending = new PendingReadMark(chatId, userId, upToSequence, readAt);
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            throw new ChatException(ChatErrorKind.Unavailable, ChatErrorCodes.StoreUnavailable, "The server is shutting down; the chat was not marked read.", ex);
        }

        return await pending.Moved.WaitAsync(cancellationToken).ConfigureAwait(false);
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

        await _checkpoints.StopAsync().ConfigureAwait(false);
        await EndSessionAsync().ConfigureAwait(false);
    }

    private void EnsureStarted()
    {
        if (_loop is not null)
        {
            return;
        }

        lock (_startLock)
        {
            _loop ??= Task.WhenAll(
                Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default),
                Task.Run(AnswerAsync));
        }
    }

    /// <summary>
    /// The write loop, on a thread of its own (<see cref="TaskCreationOptions.LongRunning"/>).
    /// Microsoft.Data.Sqlite's async methods run synchronously, so each batch holds its thread for the
    /// whole commit, fsync included. On the thread pool, which keeps one thread per core and adds more
    /// only slowly, a slow fsync (with a checkpoint holding another thread) left the sockets' work
    /// queued for tens to hundreds of milliseconds. A batch's statements and its transaction are
    /// synchronous on PostgreSQL too: each of its round trips is waited for here, rather than its
    /// continuation waiting for a turn behind the sockets' work on the pool.
    /// </summary>
    private void Run()
    {
        _loopThreadId = Environment.CurrentManagedThreadId;
        Thread.CurrentThread.Name = LoopThreadName; // The thread is the loop's alone (LongRunning).
        var reader = _queue.Reader;
        try
        {
            while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                var batch = new List<PendingSend>(Math.Min(reader.Count, _options.MaxBatchSize));
                var marks = new List<PendingReadMark>();
                while (batch.Count + marks.Count < _options.MaxBatchSize && reader.TryRead(out var pending))
                {
                    if (pending is PendingSend send)
                    {
                        batch.Add(send);
                    }
                    else
                    {
                        marks.Add((PendingReadMark)pending);
                    }
                }

                var outcomes = WriteWithRetriesAsync(batch, marks).GetAwaiter().GetResult();
                if (batch.Count > 0)
                {
                    _written.Writer.WriteAsync(new WrittenBatch(batch, outcomes)).AsTask().GetAwaiter().GetResult();
                }
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
                if (outcomes[i].Result is { } result)
                {
                    batch[i].Complete(result);
                }
                else
                {
                    batch[i].Fail(outcomes[i].Error!);
                }
            }
        }
    }

    /// <summary>
    /// Writes a batch and the read marks that came with it, retrying a failed transaction; returns,
    /// per send, its result or its error, and answers the marks. A batch that still fails for
    /// something other than a transient fault fails its marks (one of them may be the cause) and is
    /// split (see <see cref="WriteHalvesAsync"/>), so one send that cannot be stored fails alone.
    /// </summary>
    private async Task<SendOutcome[]> WriteWithRetriesAsync(List<PendingSend> batch, List<PendingReadMark> marks)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var (outcomes, moved) = await WriteMeasuredAsync(batch, marks).ConfigureAwait(false);
                for (var i = 0; i < marks.Count; i++)
                {
                    marks[i].Complete(moved[i]);
                }

                return outcomes;
            }
            catch (Exception ex) when (attempt < _options.MaxRetries)
            {
                LogBatchRetry(_logger, ex, batch.Count, attempt + 1);
            }
            catch (Exception ex) when (batch.Count > 1 && !IsTransient(ex))
            {
                FailMarks(marks, ex);
                LogBatchSplit(_logger, ex, batch.Count);
                return await WriteHalvesAsync(batch).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                FailMarks(marks, ex);
                LogBatchFailed(_logger, ex, batch.Count);
                return Failed(batch.Count, ex);
            }
        }
    }

    private static void FailMarks(List<PendingReadMark> marks, Exception cause)
    {
        if (marks.Count == 0)
        {
            return;
        }

        var error = new ChatException(ChatErrorKind.Unavailable, ChatErrorCodes.StoreUnavailable, "The chat could not be marked read.", cause);
        foreach (var mark in marks)
        {
            mark.Fail(error);
        }
    }

    /// <summary>
    /// Writes each half of a failed batch in its own transaction, in order (so each chat's sequence
    /// still follows the send order), splitting again whichever half fails, down to the single send
    /// that cannot be stored. A poison row then costs a few transactions, never the other senders.
    /// </summary>
    private async Task<SendOutcome[]> WriteHalvesAsync(List<PendingSend> batch)
    {
        var half = batch.Count / 2;
        var first = await WriteOnceOrSplitAsync(batch.GetRange(0, half)).ConfigureAwait(false);
        var second = await WriteOnceOrSplitAsync(batch.GetRange(half, batch.Count - half)).ConfigureAwait(false);
        return [.. first, .. second];
    }

    private async Task<SendOutcome[]> WriteOnceOrSplitAsync(List<PendingSend> part)
    {
        try
        {
            return (await WriteMeasuredAsync(part, []).ConfigureAwait(false)).Outcomes;
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

    private async Task<(SendOutcome[] Outcomes, bool[] Moved)> WriteMeasuredAsync(List<PendingSend> batch, List<PendingReadMark> marks)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var written = await WriteBatchAsync(batch, marks).ConfigureAwait(false);
        _metrics.BatchCommitted(batch.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        _messagesWritten += batch.Count;
        _batchesWritten++;
        if (_logger.IsEnabled(LogLevel.Debug) && System.Diagnostics.Stopwatch.GetElapsedTime(_totalsLoggedAt) >= TotalsInterval)
        {
            // For a load test reading the host's log; operators have chatengine.commit.busy_time.
            _totalsLoggedAt = System.Diagnostics.Stopwatch.GetTimestamp();
            LogWriteLoopTotals(_logger, _metrics.CommitBusyTime.TotalSeconds, _messagesWritten, _batchesWritten);
        }

        return written;
    }

    /// <summary>A fault of the connection or server rather than of the batch's data: splitting would not help.</summary>
    private static bool IsTransient(Exception exception) =>
        exception is DbException { IsTransient: true } or TimeoutException;

    private static SendOutcome[] Failed(int count, Exception cause)
    {
        var error = new ChatException(ChatErrorKind.Unavailable, ChatErrorCodes.StoreUnavailable, "The message could not be saved; it was not sent.", cause);
        return Enumerable.Repeat(SendOutcome.Failed(error), count).ToArray();
    }

    /// <summary>
    /// Writes one batch in one transaction: the plan decides, the statements ask the database (on
    /// PostgreSQL in a constant number of round trips whatever the batch holds), with the read marks
    /// that came with it. Returns each send's outcome and which marks moved. Batches share the write
    /// loop's session (<see cref="WriteSession"/>).
    /// </summary>
    private async Task<(SendOutcome[] Outcomes, bool[] Moved)> WriteBatchAsync(List<PendingSend> batch, List<PendingReadMark> marks)
    {
        var session = _session ??= await WriteSession.StartAsync(_scopes, _options).ConfigureAwait(false);
        try
        {
            var written = await WriteBatchAsync(batch, marks, session).ConfigureAwait(false);
            session.Db.ChangeTracker.Clear(); // What participants saved is not kept for the next batch.
            if (++session.Batches == WriteSession.MaxBatches)
            {
                await EndSessionAsync().ConfigureAwait(false);
            }

            return written;
        }
        catch
        {
            await EndSessionAsync().ConfigureAwait(false); // A connection that failed is not used again.
            throw;
        }
    }

    private async Task<(SendOutcome[] Outcomes, bool[] Moved)> WriteBatchAsync(List<PendingSend> batch, List<PendingReadMark> marks, WriteSession session)
    {
        var (db, prepared) = (session.Db, session.SqliteStatements);
        if (prepared is not null)
        {
            _checkpoints.BeforeBatch(prepared.Connection);
        }

        using var transaction = db.Database.BeginTransaction();
        var statements = (ISendStatements?)prepared ?? new PostgreSqlSendStatements(db.Database.GetDbConnection(), transaction.GetDbTransaction(), marks.ConvertAll(m => m.ChatId));
        var (plan, entries, participants) = batch.Count > 0
            ? await WriteSendsAsync(batch, session, statements, transaction.GetDbTransaction()).ConfigureAwait(false)
            : (null, [], []);
        var moved = statements.MarkRead(marks);
        if (Environment.CurrentManagedThreadId == _loopThreadId)
        {
            transaction.Commit();
        }
        else
        {
            // A participant's I/O finished on the thread pool, where blocking for the commit would hold a pool thread.
            await transaction.CommitAsync().ConfigureAwait(false);
        }

        if (prepared is not null)
        {
            _checkpoints.AfterCommit();
        }

        foreach (var participant in participants)
        {
            try
            {
                participant.OnCommitted(entries);
            }
            catch (Exception ex)
            {
                // The batch is committed: a failure here must not make it look failed and be written again.
                LogCommittedHookFailed(_logger, ex, participant.GetType().Name);
            }
        }

        return (plan?.Outcomes() ?? [], moved);
    }

    /// <summary>Writes the sends of a batch in its transaction: the plan decides, the statements ask the database.</summary>
    private static async Task<(SendBatchPlan Plan, IReadOnlyList<ChatLogEntry> Entries, IChatChangeParticipant[] Participants)> WriteSendsAsync(
        List<PendingSend> batch, WriteSession session, ISendStatements statements, DbTransaction dbTransaction)
    {
        var (db, dialect) = (session.Db, session.Dialect);
        var connection = db.Database.GetDbConnection();
        var plan = new SendBatchPlan(batch.ConvertAll(p => p.Draft), batch.ConvertAll(p => p.SearchText));

        // Only members send: checked here, in the transaction, for the whole batch.
        var (members, stored) = statements.FindStanding(plan);
        var pendingAttachments = SendStatements.FindPendingAttachments(connection, dbTransaction, plan, dialect);
        plan.Admit(members, stored, pendingAttachments);

        var reserved = statements.ReserveSequences(plan.SequencesNeeded());
        var rows = plan.Number(reserved);
        statements.InsertMessages(rows);
        SendStatements.ClaimAttachments(connection, dbTransaction, plan, dialect);

        // Participants write through the session's context, which carries the batch's transaction.
        var participants = rows.Count > 0 ? session.Participants : [];
        var entries = participants.Length > 0 ? plan.NewEntries() : [];
        foreach (var participant in participants)
        {
            await participant.OnCommittingAsync(entries, CancellationToken.None).ConfigureAwait(false);
        }

        return (plan, entries, participants);
    }

    private async Task EndSessionAsync()
    {
        if (_session is { } session)
        {
            _session = null;
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Writing a batch of {Count} messages failed (attempt {Attempt}); retrying.")]
    private static partial void LogBatchRetry(ILogger logger, Exception exception, int count, int attempt);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Writing a batch of {Count} messages failed on every attempt; writing its halves apart so only the send that cannot be stored fails.")]
    private static partial void LogBatchSplit(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Writing a batch of {Count} messages failed; its senders were told.")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Error, Message = "The participant {Participant} failed after a batch committed; the batch stays committed.")]
    private static partial void LogCommittedHookFailed(ILogger logger, Exception exception, string participant);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug, Message = "Write loop totals: busy {BusySeconds:F3} s, {Messages} messages, {Batches} batches.")]
    private static partial void LogWriteLoopTotals(ILogger logger, double busySeconds, long messages, long batches);

    private readonly record struct WrittenBatch(List<PendingSend> Sends, SendOutcome[] Outcomes);

    /// <summary>
    /// The scope, context and open connection the write loop writes its batches through, kept from one
    /// batch to the next. A connection opened for each batch was a pooled one made ready again each
    /// time: Microsoft.Data.Sqlite registers the context's functions anew at every open, and SQLite
    /// then discards every statement prepared on that connection, so each batch parsed all its
    /// statements again. A session ends after a batch fails (its connection is not trusted again) and
    /// after <see cref="MaxBatches"/>, so the scoped services a session holds are made afresh now and then.
    /// </summary>
    private sealed class WriteSession : IAsyncDisposable
    {
        public const int MaxBatches = 1000;

        private readonly AsyncServiceScope _scope;

        private WriteSession(AsyncServiceScope scope, TContext db, IChatChangeParticipant[] participants, SqliteSendStatements? sqliteStatements)
        {
            _scope = scope;
            Db = db;
            Dialect = SendDialect.For(db);
            Participants = participants;
            SqliteStatements = sqliteStatements;
        }

        public TContext Db { get; }

        public SendDialect Dialect { get; }

        public IChatChangeParticipant[] Participants { get; }

        /// <summary>The statements prepared on the session's connection, on SQLite.</summary>
        public SqliteSendStatements? SqliteStatements { get; }

        public int Batches { get; set; }

        public static async Task<WriteSession> StartAsync(IServiceScopeFactory scopes, GroupCommitOptions options)
        {
            var scope = scopes.CreateAsyncScope();
            try
            {
                var db = scope.ServiceProvider.GetRequiredService<TContext>();
                await db.Database.OpenConnectionAsync().ConfigureAwait(false);
                await SearchIndexSql.EnsureAsync(db).ConfigureAwait(false);
                var sqlite = db.Database.GetDbConnection() is SqliteConnection { Handle: { } handle } ? new SqliteSendStatements(handle, options.SqliteLogRestartPages) : null;
                return new WriteSession(scope, db, scope.ServiceProvider.GetServices<IChatChangeParticipant>().ToArray(), sqlite);
            }
            catch
            {
                await scope.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            SqliteStatements?.Dispose(); // Finalized before the connection goes back to its pool.
            await _scope.DisposeAsync().ConfigureAwait(false);
        }
    }
}
