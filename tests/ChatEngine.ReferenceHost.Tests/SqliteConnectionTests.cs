using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ReferenceHost.Data;
using Xunit;

namespace ChatEngine.ReferenceHost.Tests;

public sealed class SqliteConnectionTests
{
    /// <summary>
    /// The host registers a SQLite subclass of the stores' context, which AddEntityFrameworkStores does
    /// not configure: without its own busy timeout, an account or outbox write meeting the write loop's
    /// lock would sleep 150 ms per retry on a thread-pool thread.
    /// </summary>
    [Fact]
    public async Task TheHostsContext_WaitsForABusyDatabaseInSqlite()
    {
        await using var host = new ReferenceHostFactory();
        _ = host.BaseAddress;
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ReferenceHostDbContext>();
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA busy_timeout";

        Assert.Equal(30_000L, await command.ExecuteScalarAsync());
    }
}
