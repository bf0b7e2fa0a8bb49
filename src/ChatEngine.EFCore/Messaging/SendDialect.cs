using Microsoft.EntityFrameworkCore;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// How one database takes the statements both run alike (<see cref="SendStatements"/>): how many rows
/// a statement carries, and locking. The rest of a batch each runs its own way (<see cref="ISendStatements"/>).
/// </summary>
internal abstract class SendDialect
{
    public static SendDialect For(DbContext db) => db.Database.IsSqlite() ? SqliteSendDialect.Instance : PostgreSqlSendDialect.Instance;

    /// <summary>Rows per statement, whose binding cost differs by database.</summary>
    public abstract int RowsPerStatement { get; }

    /// <summary>Whether a batch locks the rows it reads for update (hosts that share the database).</summary>
    public abstract bool LocksChatsInIdOrder { get; }
}

/// <summary>
/// SQLite finds each bound parameter by name with a linear search, so a statement's binding cost
/// grows with the square of its parameters: small statements. It has one writer at a time anyway,
/// so nothing needs locking.
/// </summary>
internal sealed class SqliteSendDialect : SendDialect
{
    public static readonly SqliteSendDialect Instance = new();

    public override int RowsPerStatement => 32;

    public override bool LocksChatsInIdOrder => false;
}

/// <summary>
/// PostgreSQL binds by position and pays a round trip per statement instead: larger statements. Hosts
/// share it, so a batch locks what it claims.
/// </summary>
internal sealed class PostgreSqlSendDialect : SendDialect
{
    public static readonly PostgreSqlSendDialect Instance = new();

    public override int RowsPerStatement => 100;

    public override bool LocksChatsInIdOrder => true;
}
