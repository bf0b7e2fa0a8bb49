using Microsoft.EntityFrameworkCore;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// A chat's unit of work in the database: one transaction on the scope's context, which the stores
/// join, holding the chat's row lock from the start. Units of one chat then run one at a time on
/// every host sharing the database, and commit or roll back whole. On SQLite the no-op update takes
/// the database's write lock at once, so two units never both read and then wait to write.
/// </summary>
internal sealed class EntityFrameworkChatUnitOfWork<TContext>(Func<TContext> context) : IChatUnitOfWork
    where TContext : DbContext
{
    public async Task<T> RunAsync<T>(long chatId, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var db = context();
        if (db.Database.CurrentTransaction is not null)
        {
            return await work(cancellationToken).ConfigureAwait(false); // Already inside a unit: part of it.
        }

        await SearchIndexSql.EnsureAsync(db).ConfigureAwait(false); // Edits and deletions in the unit keep it current.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ChatRowLock.TakeAsync(db, chatId, cancellationToken).ConfigureAwait(false);
        var result = await work(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }
}
