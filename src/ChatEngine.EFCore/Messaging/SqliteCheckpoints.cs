using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SQLitePCL;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// Copies SQLite's write-ahead log into the database file beside the write loop, and makes the log
/// start over. Left to SQLite, the connection whose commit fills the log does the copy inside that
/// commit: every few seconds one batch (and every sender waiting on it) stalled for the whole copy,
/// tens to hundreds of milliseconds. Here the write loop's connection does not checkpoint on its own
/// (<see cref="SqliteSendStatements"/>); after its commits, at most once a second, a connection of
/// its own runs passive checkpoints, which copy what they can while the writer goes on appending.
/// <para>
/// The log starts over (its next frame written at its beginning) only when a transaction begins
/// with every frame copied. A checkpoint of a second's frames, with its two fsyncs, lasts
/// long enough that under load the write loop commits again before it ends, so that never happened
/// and the log grew for good: a gigabyte in twenty seconds as fast as possible, half that at 2,000
/// messages a second, the file never shrinking back. So once the log is long and a checkpoint has
/// copied all but its last frames, the write loop copies those few itself before its next batch,
/// which then starts the log over.
/// </para>
/// </summary>
internal sealed partial class SqliteCheckpoints<TContext>(IServiceScopeFactory scopes, GroupCommitOptions options, TimeProvider time, ILogger logger)
    where TContext : DbContext
{
    // Passes in a row while the writer keeps appending: each copies what came during the last one.
    private const int MaxPasses = 4;

    // A checkpoint copies each page once however often the log holds it, and the pages a send
    // touches (its chats' index leaves, the search index, the counters) are written again and again,
    // so checkpoints a second apart copy fewer pages per message, with a quarter of the fsyncs, than
    // a quarter second apart did: at 2,000 messages a second the server took 8% less CPU per message
    // and p95 fell by a sixth. The log then peaks at the restart length plus a second's frames.
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly int _restartPages = options.SqliteLogRestartPages;
    // What the write loop may have to copy itself: a sixteenth of the log, or a few batches' pages.
    private readonly int _tailPages = Math.Max(options.SqliteLogRestartPages / 16, 256);
    private readonly Lock _lock = new();
    private Task _running = Task.CompletedTask;
    private long _startedAt;
    private bool _restartDue; // Set by a checkpoint that left the writer little to copy.

    /// <summary>Starts a checkpoint unless one runs, one started less than <see cref="Interval"/> ago or the write loop is to copy the log's last frames.</summary>
    public void AfterCommit()
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            if (!_running.IsCompleted || _restartDue || time.GetElapsedTime(_startedAt, now) < Interval)
            {
                return;
            }

            _startedAt = now;
            // A thread of its own: each pass blocks for the copy and its fsyncs, which on the thread
            // pool would hold one of its few threads from the sockets' work.
            _running = Task.Factory.StartNew(Checkpoint, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// On the write loop, before a batch's transaction: when a checkpoint found the log long and left
    /// only its last frames, copies them, so the batch writes from the log's beginning. Never throws:
    /// a copy that fails leaves the log as it was, for the next checkpoint.
    /// </summary>
    public void BeforeBatch(sqlite3 writer)
    {
        lock (_lock)
        {
            if (!_restartDue)
            {
                return;
            }

            _restartDue = false;
        }

        try
        {
            CopyLog(writer);
        }
        catch (SqliteException ex)
        {
            LogCheckpointFailed(logger, ex);
        }
    }

    /// <summary>Waits for the checkpoint in progress, so the database is not closed under it.</summary>
    public Task StopAsync()
    {
        lock (_lock)
        {
            return _running;
        }
    }

    private void Checkpoint()
    {
        try
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<TContext>();
            db.Database.OpenConnection();
            var connection = ((SqliteConnection)db.Database.GetDbConnection()).Handle!;
            (int Logged, int Copied)? log;
            var passes = 0;
            do
            {
                log = CopyLog(connection);
            }
            while (log is (var logged, var copied) && logged - copied >= _tailPages && ++passes < MaxPasses);

            if (log is (var frames, var done) && frames >= _restartPages && frames - done < _tailPages)
            {
                lock (_lock)
                {
                    _restartDue = true;
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The next commit starts another; until one succeeds the log only grows.
            LogCheckpointFailed(logger, ex);
        }
    }

    /// <summary>
    /// Runs a passive checkpoint: returns the log's length in frames and how many of them are now in
    /// the database, or null when another connection's checkpoint runs. As SQL rather than through
    /// <c>sqlite3_wal_checkpoint_v2</c>, which on a connection that has not read the database yet
    /// does not know of the log and does nothing.
    /// </summary>
    private static (int Logged, int Copied)? CopyLog(sqlite3 connection)
    {
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(connection, "PRAGMA wal_checkpoint(PASSIVE)", out var statement), connection);
        using (statement)
        {
            var rc = raw.sqlite3_step(statement);
            if (rc != raw.SQLITE_ROW)
            {
                SqliteException.ThrowExceptionForRC(rc, connection);
            }

            return raw.sqlite3_column_int(statement, 0) == 1 ? null : (raw.sqlite3_column_int(statement, 1), raw.sqlite3_column_int(statement, 2));
        }
    }

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "A checkpoint of the SQLite write-ahead log failed; the next commit tries again.")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception);
}
