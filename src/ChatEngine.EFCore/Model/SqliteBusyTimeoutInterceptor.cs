using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// Lets SQLite itself wait, in steps of a few milliseconds, for a database another connection is
/// writing. Microsoft.Data.Sqlite sets no busy timeout: a write that finds the write lock taken (the
/// group-commit loop holds it about half the time under load) sleeps 150 ms before each retry,
/// holding its thread, so a few background writes (the outbox, receipts, sessions) could leave the
/// thread pool's sockets waiting for hundreds of milliseconds. The wait keeps the connection's
/// <see cref="SqliteConnection.DefaultTimeout"/> as its limit (0: none), as those retries did.
/// </summary>
/// <remarks>
/// <c>AddEntityFrameworkStores&lt;TContext&gt;</c> adds it to <c>TContext</c>'s options. A context
/// registered under another type (a provider's subclass, say) adds it itself:
/// <c>o.UseSqlite(connectionString).AddInterceptors(SqliteBusyTimeoutInterceptor.Instance)</c>.
/// Connections of other providers are left as they are.
/// </remarks>
public sealed class SqliteBusyTimeoutInterceptor : DbConnectionInterceptor
{
    private SqliteBusyTimeoutInterceptor()
    {
    }

    /// <summary>The interceptor: it keeps no state, so one serves every context.</summary>
    public static SqliteBusyTimeoutInterceptor Instance { get; } = new();

    /// <inheritdoc />
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    /// <inheritdoc />
    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static void Apply(DbConnection connection)
    {
        if (connection is SqliteConnection { Handle: { } handle } sqlite)
        {
            // A call into SQLite rather than a PRAGMA statement: nothing to parse on each (pooled) open.
            var milliseconds = sqlite.DefaultTimeout is > 0 and < int.MaxValue / 1000 ? sqlite.DefaultTimeout * 1000 : int.MaxValue;
            SQLitePCL.raw.sqlite3_busy_timeout(handle, milliseconds);
        }
    }
}
