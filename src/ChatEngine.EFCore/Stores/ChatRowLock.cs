using Microsoft.EntityFrameworkCore;

namespace ChatEngine.EntityFrameworkCore;

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
