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

/// <summary>
/// A chat's row lock, taken in the context's transaction and held to its end. Every writer of the
/// chat's members' read positions holds it (units of work, the write loops, a read mark outside
/// them), so a statement run under it reads those positions as they stay. On SQLite the no-op update
/// takes the database's write lock, which covers every chat.
/// </summary>
internal static class ChatRowLock
{
    private const string LockForUpdate = "SELECT 1 FROM \"" + ChatTables.Chats + "\" WHERE \"Id\" = {0} FOR UPDATE";
    private const string TakeWriteLock = "UPDATE \"" + ChatTables.Chats + "\" SET \"LastSequence\" = \"LastSequence\" WHERE \"Id\" = {0}";

    public static Task TakeAsync(DbContext db, long chatId, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlRawAsync(db.Database.IsSqlite() ? TakeWriteLock : LockForUpdate, [chatId], cancellationToken);
}
