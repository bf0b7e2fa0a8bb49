using Npgsql;

namespace ChatEngine.ReferenceHost.Tests;

/// <summary>Throw-away databases on the PostgreSQL server the test script started.</summary>
public static class TestPostgreSql
{
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("ConnectionStrings__PostgreSqlTests")
        ?? throw new InvalidOperationException("PostgreSQL tests need ConnectionStrings__PostgreSqlTests. Run scripts/test.sh, which starts PostgreSQL and exports it.");

    /// <summary>Creates a database and returns its name and connection string.</summary>
    public static async Task<(string Name, string ConnectionString)> CreateDatabaseAsync(int maxPoolSize = 20)
    {
        var name = $"chatengine_test_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(ServerConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }

        return (name, new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name, MaxPoolSize = maxPoolSize }.ConnectionString);
    }

    /// <summary>
    /// Drops a database, ending whatever is still connected. A backend the test role does not own (an
    /// autovacuum worker) makes WITH (FORCE) fail with 42501 unless the role may signal it (the test
    /// script grants pg_signal_backend); a few retries cover a worker that is just finishing.
    /// </summary>
    public static async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var admin = new NpgsqlConnection(ServerConnectionString);
                await admin.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
                await drop.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException error) when (attempt < 5 && error.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ObjectInUse)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
            }
        }
    }
}

/// <summary>The reference host on its own PostgreSQL database, for tests where the database matters.</summary>
public sealed class PostgreSqlReferenceHost : Xunit.IAsyncLifetime
{
    private string _database = "";

    public ReferenceHostFactory Host { get; } = new();

    public async Task InitializeAsync()
    {
        var (name, connectionString) = await TestPostgreSql.CreateDatabaseAsync();
        _database = name;
        Host.Settings["Database:Provider"] = "PostgreSql";
        Host.Settings["ConnectionStrings:Chat"] = connectionString;
        _ = Host.BaseAddress;
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await TestPostgreSql.DropDatabaseAsync(_database);
    }
}
