using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ChatEngine.EFCore.Tests;

/// <summary>A throw-away database per test, on SQLite (a temp file) or on the real PostgreSQL server.</summary>
public interface ITestDatabase : IAsyncDisposable
{
    string ConnectionString { get; }

    void Configure(DbContextOptionsBuilder options);
}

public sealed class SqliteTestDatabase : ITestDatabase
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatengine-tests-").FullName;

    public string ConnectionString => $"Data Source={Path.Combine(_folder, "chat.db")}";

    public void Configure(DbContextOptionsBuilder options) => options.UseSqlite(ConnectionString);

    public ValueTask DisposeAsync()
    {
        // This database's pool only: clearing every pool closed other tests' idle connections, and when
        // one was a database's last, SQLite deleted its write-ahead log under a test that was watching it.
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection(ConnectionString))
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearPool(connection);
        }

        Directory.Delete(_folder, recursive: true);
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgreSqlTestDatabase : ITestDatabase
{


    private PostgreSqlTestDatabase(string connectionString) => ConnectionString = connectionString;

    /// <summary>
    /// The server the test script started. A missing connection string is a failure, never a skip:
    /// run the tests through scripts/test.sh, or export ConnectionStrings__PostgreSqlTests yourself.
    /// </summary>
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("ConnectionStrings__PostgreSqlTests")
        ?? throw new InvalidOperationException(
            "PostgreSQL tests need ConnectionStrings__PostgreSqlTests. Run scripts/test.sh, which starts PostgreSQL and exports it.");

    public string ConnectionString { get; }

    public static async Task<PostgreSqlTestDatabase> CreateAsync()
    {
        var server = new NpgsqlConnectionStringBuilder(ServerConnectionString);
        var name = $"chatengine_test_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(server.ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }

        // Test classes run in parallel against one server: a small pool each stays within max_connections.
        return new PostgreSqlTestDatabase(new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name, MaxPoolSize = 10 }.ConnectionString);
    }

    public void Configure(DbContextOptionsBuilder options) => options.UseNpgsql(ConnectionString);

    /// <summary>
    /// Drops the database, ending whatever is still connected. A backend the test role does not own (an
    /// autovacuum worker) makes WITH (FORCE) fail with 42501 unless the role may signal it (the test
    /// script grants pg_signal_backend); a few retries cover a worker that is just finishing.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        var database = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var admin = new NpgsqlConnection(ServerConnectionString);
                await admin.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
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
