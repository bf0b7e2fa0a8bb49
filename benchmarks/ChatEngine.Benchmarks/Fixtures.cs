using ChatEngine.InMemory;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ChatEngine.Benchmarks;

/// <summary>Builds ChatEngine on a store for a benchmark: in memory, a SQLite file, or a fresh PostgreSQL database.</summary>
internal sealed class ChatEngineFixture : IAsyncDisposable
{
    private readonly string? _folder;
    private readonly string? _postgresDatabase;

    private ChatEngineFixture(ServiceProvider services, string? folder, string? postgresDatabase)
    {
        Services = services;
        _folder = folder;
        _postgresDatabase = postgresDatabase;
    }

    public ServiceProvider Services { get; }

    /// <param name="store">InMemory, Sqlite or PostgreSql.</param>
    /// <param name="users">How many users the directory holds (user1, user2…).</param>
    /// <param name="configure">More services.</param>
    /// <param name="maxBatchSize">The group commit's batch size.</param>
    /// <param name="keptDatabase">
    /// A database kept between runs under this name (a SQLite file in the temp folder, or a PostgreSQL
    /// database), so a large seed is made once for every benchmark process; <see cref="IsFresh"/> says whether it is new.
    /// </param>
    public static async Task<ChatEngineFixture> CreateAsync(string store, int users, Action<IServiceCollection>? configure = null, int maxBatchSize = 256, string? keptDatabase = null)
    {
        var directory = new InMemoryChatUserDirectory();
        for (var id = 1; id <= users; id++)
        {
            directory.Add(new ChatUser(id, $"user{id}"));
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        var chat = services.AddChatEngine().AddUserDirectory(directory);
        configure?.Invoke(services);
        string? folder = null;
        string? database = null;
        string? seededMarker = null;
        var fresh = true;
        switch (store)
        {
            case "InMemory":
                chat.AddInMemoryStores();
                break;
            case "Sqlite":
                var file = keptDatabase is null
                    ? Path.Combine(folder = Directory.CreateTempSubdirectory("chatengine-bench-").FullName, "chat.db")
                    : Path.Combine(Path.GetTempPath(), $"{keptDatabase}.db");
                fresh = keptDatabase is null || !File.Exists(file + ".seeded");
                if (fresh && keptDatabase is not null)
                {
                    File.Delete(file);
                }

                seededMarker = keptDatabase is null ? null : file + ".seeded";
                services.AddDbContext<ChatEngine.EntityFrameworkCore.SqliteChatDbContext>(o => o.UseSqlite($"Data Source={file}"));
                chat.AddEntityFrameworkStores<ChatEngine.EntityFrameworkCore.SqliteChatDbContext>(o => o.MaxBatchSize = maxBatchSize);
                break;
            case "PostgreSql":
                var server = Environment.GetEnvironmentVariable("ConnectionStrings__PostgreSqlTests")
                    ?? throw new InvalidOperationException("PostgreSQL benchmarks need ConnectionStrings__PostgreSqlTests (scripts/test.sh prints how it is set).");
                database = keptDatabase ?? $"chatengine_bench_{Guid.NewGuid():N}";
                await using (var admin = new NpgsqlConnection(server))
                {
                    await admin.OpenAsync();
                    await using var exists = new NpgsqlCommand($"SELECT COUNT(*) FROM pg_database WHERE datname = '{database}'", admin);
                    await using var seeded = new NpgsqlCommand($"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{database}'", admin);
                    fresh = keptDatabase is null || (string?)(await seeded.ExecuteScalarAsync() as string) != "seeded";
                    if (fresh)
                    {
                        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
                        await drop.ExecuteNonQueryAsync();
                        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", admin);
                        await create.ExecuteNonQueryAsync();
                    }
                }

                seededMarker = keptDatabase is null ? null : database;

                var connection = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
                services.AddDbContext<ChatEngine.EntityFrameworkCore.PostgreSqlChatDbContext>(o => o.UseNpgsql(connection));
                chat.AddEntityFrameworkStores<ChatEngine.EntityFrameworkCore.PostgreSqlChatDbContext>(o => o.MaxBatchSize = maxBatchSize);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(store), store, "InMemory, Sqlite or PostgreSql");
        }

        var provider = services.BuildServiceProvider();
        await using (var scope = provider.CreateAsyncScope())
        {
            if (scope.ServiceProvider.GetService<ChatEngine.EntityFrameworkCore.SqliteChatDbContext>() is { } sqlite)
            {
                await ChatEngine.EntityFrameworkCore.DatabaseMigrator<ChatEngine.EntityFrameworkCore.SqliteChatDbContext>.MigrateAsync(sqlite, CancellationToken.None);
            }

            if (scope.ServiceProvider.GetService<ChatEngine.EntityFrameworkCore.PostgreSqlChatDbContext>() is { } postgres)
            {
                await ChatEngine.EntityFrameworkCore.DatabaseMigrator<ChatEngine.EntityFrameworkCore.PostgreSqlChatDbContext>.MigrateAsync(postgres, CancellationToken.None);
            }
        }

        return new ChatEngineFixture(provider, folder, keptDatabase is null ? database : null) { IsFresh = fresh, _seededMarker = seededMarker, _store = store };
    }

    /// <summary>Whether the database was made now (a kept one is reused once marked seeded).</summary>
    public bool IsFresh { get; private init; }

    private string? _seededMarker;
    private string _store = "";

    /// <summary>Marks a kept database seeded, so later benchmark processes reuse it.</summary>
    public async Task MarkSeededAsync()
    {
        if (_seededMarker is null)
        {
            return;
        }

        if (_store == "Sqlite")
        {
            await File.WriteAllTextAsync(_seededMarker, "seeded");
            return;
        }

        await using var admin = new NpgsqlConnection(Environment.GetEnvironmentVariable("ConnectionStrings__PostgreSqlTests"));
        await admin.OpenAsync();
        await using var comment = new NpgsqlCommand($"COMMENT ON DATABASE \"{_seededMarker}\" IS 'seeded'", admin);
        await comment.ExecuteNonQueryAsync();
    }

    public async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        if (_folder is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_folder, recursive: true);
        }

        if (_postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(Environment.GetEnvironmentVariable("ConnectionStrings__PostgreSqlTests"));
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_postgresDatabase}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
