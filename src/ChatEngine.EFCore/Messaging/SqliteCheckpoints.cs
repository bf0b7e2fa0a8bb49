using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// Copies SQLite's write-ahead log into the database file beside the write loop, never on it. Left
/// to SQLite, the connection whose commit fills the log does the copy inside that commit: every few
/// seconds one batch (and every sender waiting on it) stalled for the whole copy, tens to hundreds of
/// milliseconds. Here the write loop's connection never checkpoints
/// (<see cref="SqliteSendDialect"/>); after its commits, at most a few times a second, a connection
/// of its own runs a passive checkpoint, which copies what it can while the writer goes on appending.
/// </summary>
internal sealed partial class SqliteCheckpoints<TContext>(IServiceScopeFactory scopes, ILogger logger)
    where TContext : DbContext
{
    private static readonly long Interval = Stopwatch.Frequency / 4;

    private readonly Lock _lock = new();
    private Task _running = Task.CompletedTask;
    private long _startedAt;

    /// <summary>Starts a checkpoint unless one runs or one started in the last quarter second.</summary>
    public void AfterCommit()
    {
        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            if (!_running.IsCompleted || now - _startedAt < Interval)
            {
                return;
            }

            _startedAt = now;
            // A thread of its own: Microsoft.Data.Sqlite's async calls block, here for the copy and its
            // fsync, which on the thread pool would hold one of its few threads from the sockets' work.
            _running = Task.Factory.StartNew(() => CheckpointAsync().GetAwaiter().GetResult(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
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

    private async Task CheckpointAsync()
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TContext>();
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(PASSIVE);").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The next commit starts another; until one succeeds the log only grows.
            LogCheckpointFailed(logger, ex);
        }
    }

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "A checkpoint of the SQLite write-ahead log failed; the next commit tries again.")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception);
}
