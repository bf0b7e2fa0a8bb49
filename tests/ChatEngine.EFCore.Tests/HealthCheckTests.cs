using ChatEngine.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit;

namespace ChatEngine.EFCore.Tests;

public sealed class HealthCheckTests
{
    [Fact]
    public async Task DatabaseCheck_IsHealthyWhenTheDatabaseAnswers_AndUnhealthyWhenItDoesNot()
    {
        await using var database = new SqliteTestDatabase();
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection(database.ConnectionString))
        {
            await connection.OpenAsync(); // creates the database file
        }

        Assert.Equal(HealthStatus.Healthy, await CheckAsync(o => o.UseSqlite(database.ConnectionString)));
        Assert.Equal(HealthStatus.Unhealthy, await CheckAsync(o => o.UseNpgsql("Host=127.0.0.1;Port=1;Database=nowhere;Username=u;Password=p;Timeout=2")));
    }

    private static async Task<HealthStatus> CheckAsync(Action<DbContextOptionsBuilder> configure)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContext<ChatDbContext>(configure);
        services.AddHealthChecks().AddChatEngineDatabase<ChatDbContext>();
        await using var provider = services.BuildServiceProvider();
        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries["chatengine-database"].Status;
    }
}
