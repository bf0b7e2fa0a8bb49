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

    public static async Task<ChatEngineFixture> CreateAsync(string store, int users, Action<IServiceCollection>? configure = null, int maxBatchSize = 256)
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
        switch (store)
        {
            case "InMemory":
                chat.AddInMemoryStores();
                break;
            case "Sqlite":
                folder = Directory.CreateTempSubdirectory("chatengine-bench-").FullName;
                services.AddDbContext<ChatEngine.EntityFrameworkCore.SqliteChatDbContext>(o => o.UseSqlite($"Data Source={Path.Combine(folder, "chat.db")}"));
                chat.AddEntityFrameworkStores<ChatEngine.EntityFrameworkCore.SqliteChatDbContext>(o => o.MaxBatchSize = maxBatchSize);
                break;
            case "PostgreSql":
                var server = Environment.GetEnvironmentVariable("ConnectionStrings__PostgreSqlTests")
                    ?? throw new InvalidOperationException("PostgreSQL benchmarks need ConnectionStrings__PostgreSqlTests (scripts/test.sh prints how it is set).");
                database = $"chatengine_bench_{Guid.NewGuid():N}";
                await using (var admin = new NpgsqlConnection(server))
                {
                    await admin.OpenAsync();
                    await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", admin);
                    await create.ExecuteNonQueryAsync();
                }

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

        return new ChatEngineFixture(provider, folder, database);
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
