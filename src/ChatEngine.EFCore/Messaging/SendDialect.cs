using Microsoft.EntityFrameworkCore;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// How one database takes the send path's statements (<see cref="SendStatements"/>). Both speak the
/// same SQL (VALUES lists, RETURNING, UPDATE ... FROM); they differ in how many rows a statement
/// carries, in locking, and in the write connection's settings.
/// </summary>
internal abstract class SendDialect
{
    public static SendDialect For(DbContext db) => db.Database.IsSqlite() ? SqliteSendDialect.Instance : PostgreSqlSendDialect.Instance;

    /// <summary>
    /// Rows per statement. Ids and sequences are written into the SQL as numbers and only text, times
    /// and client ids are parameters, whose binding cost differs by database.
    /// </summary>
    public abstract int RowsPerStatement { get; }

    /// <summary>Whether a batch locks its chats' rows in id order before reserving their sequences.</summary>
    public abstract bool LocksChatsInIdOrder { get; }

    /// <summary>Whether new messages are indexed for search by a statement of their own (SQLite's FTS table) rather than by their INSERT.</summary>
    public abstract bool IndexesSearchApart { get; }

    /// <summary>Settings of the write loop's connection, applied before each batch.</summary>
    public virtual Task PrepareAsync(DbContext db) => Task.CompletedTask;
}

/// <summary>
/// SQLite finds each bound parameter by name with a linear search, so a statement's binding cost
/// grows with the square of its parameters: small statements. It has one writer at a time anyway,
/// so nothing needs locking in order.
/// </summary>
internal sealed class SqliteSendDialect : SendDialect
{
    public static readonly SqliteSendDialect Instance = new();

    public override int RowsPerStatement => 32;

    public override bool LocksChatsInIdOrder => false;

    public override bool IndexesSearchApart => true;

    /// <summary>
    /// Settings of the write loop's SQLite connection (they last as long as the pooled connection, and
    /// setting them again is cheap). A multi-row statement inside a transaction copies every page it
    /// touches to a statement journal, which spills to a temporary file past 64 KiB: a file created
    /// and written for each statement of each batch unless temporary storage is in memory. And this
    /// connection never checkpoints: <see cref="SqliteCheckpoints{TContext}"/> copies the write-ahead
    /// log into the database beside the loop instead of inside one of its commits. Neither changes
    /// durability: every commit is still synced to the WAL before it is answered.
    /// </summary>
    public override async Task PrepareAsync(DbContext db)
    {
        await db.Database.OpenConnectionAsync().ConfigureAwait(false);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 0; PRAGMA busy_timeout = 5000;";
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}

/// <summary>
/// PostgreSQL binds by position and pays a round trip per statement instead: larger statements. Hosts
/// share it, so each batch locks its chats' rows in id order, the same on every host, and writers on
/// several hosts wait for each other at worst and never deadlock (one UPDATE locks rows in whatever
/// order its plan visits them).
/// </summary>
internal sealed class PostgreSqlSendDialect : SendDialect
{
    public static readonly PostgreSqlSendDialect Instance = new();

    public override int RowsPerStatement => 100;

    public override bool LocksChatsInIdOrder => true;

    public override bool IndexesSearchApart => false;
}
