using ChatEngine.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ChatEngine.EFCore.Tests;

/// <summary>
/// Microsoft.Data.Sqlite sets no busy timeout: without one, a write that meets the group-commit loop's
/// write lock sleeps 150 ms per retry on its (thread-pool) thread. The stores' contexts wait in SQLite.
/// </summary>
public sealed class SqliteBusyTimeoutTests
{
    [Theory]
    [InlineData(false, "", 30_000)]
    [InlineData(true, "", 30_000)]
    [InlineData(false, ";Default Timeout=5", 5_000)]
    [InlineData(true, ";Default Timeout=0", int.MaxValue)]
    public async Task TheStoresContext_WaitsForABusyDatabaseInSqlite_UpToTheConnectionsTimeout(bool pooled, string timeout, int expectedMilliseconds)
    {
        await using var database = new SqliteTestDatabase();
        var services = new ServiceCollection();
        services.AddLogging();
        if (pooled)
        {
            services.AddDbContextPool<SqliteChatDbContext>(o => o.UseSqlite(database.ConnectionString + timeout));
        }
        else
        {
            services.AddDbContext<SqliteChatDbContext>(o => o.UseSqlite(database.ConnectionString + timeout));
        }

        services.AddChatEngineCore().AddEntityFrameworkStores<SqliteChatDbContext>();
        await using var provider = services.BuildServiceProvider();

        // Twice: the second open takes the first one's pooled SQLite handle.
        for (var open = 0; open < 2; open++)
        {
            await using var scope = provider.CreateAsyncScope();
            Assert.Equal(expectedMilliseconds, await BusyTimeoutAsync(scope.ServiceProvider.GetRequiredService<SqliteChatDbContext>()));
        }
    }

    private static async Task<int> BusyTimeoutAsync(DbContext db)
    {
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA busy_timeout";
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
