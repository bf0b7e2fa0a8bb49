using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ChatEngine.EFCore.Tests;

/// <summary>Counts database round trips and commits, and can make commits fail (failure injection).</summary>
public sealed class CommandCounter : DbCommandInterceptor, IDbTransactionInterceptor
{
    private int _commands;
    private int _commits;
    private int _failNextCommits;

    public int Commands => Volatile.Read(ref _commands);

    public int Commits => Volatile.Read(ref _commits);

    public void Reset() => Interlocked.Exchange(ref _commands, 0);

    public void FailNextCommits(int count) => Volatile.Write(ref _failNextCommits, count);

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _commands);
        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _commands);
        return base.ScalarExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _commands);
        return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
    }

    public ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(TransactionCommitting(transaction, eventData, result));

    // The send path's write loop commits synchronously, on its own thread.
    public InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        if (Interlocked.Decrement(ref _failNextCommits) >= 0)
        {
            throw new InvalidOperationException("Injected commit failure.");
        }

        Interlocked.Increment(ref _commits);
        return result;
    }
}
