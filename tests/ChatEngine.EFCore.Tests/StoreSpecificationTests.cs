using ChatEngine.EntityFrameworkCore;
using ChatEngine.Specification.Tests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine.EFCore.Tests;

/// <summary>The store specification on ChatEngine's own context, migrated as at start-up.</summary>
public abstract class EntityFrameworkSpecificationTests<TContext> : ChatEngineSpecificationTests
    where TContext : DbContext
{
    private ITestDatabase? _database;

    protected abstract Task<ITestDatabase> CreateDatabaseAsync();

    protected override async Task ConfigureStoresAsync(ChatEngineBuilder builder)
    {
        _database = await CreateDatabaseAsync();
        builder.Services.AddDbContext<TContext>(_database.Configure);
        builder.AddEntityFrameworkStores<TContext>();
    }

    protected override async Task InitializeStorageAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        await DatabaseMigrator<TContext>.MigrateAsync(scope.ServiceProvider.GetRequiredService<TContext>(), CancellationToken.None);
    }

    protected override async Task DisposeStorageAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

public sealed class SqliteStoreSpecificationTests : EntityFrameworkSpecificationTests<SqliteChatDbContext>
{
    protected override Task<ITestDatabase> CreateDatabaseAsync() => Task.FromResult<ITestDatabase>(new SqliteTestDatabase());
}

public sealed class PostgreSqlStoreSpecificationTests : EntityFrameworkSpecificationTests<PostgreSqlChatDbContext>
{
    protected override async Task<ITestDatabase> CreateDatabaseAsync() => await PostgreSqlTestDatabase.CreateAsync();
}

/// <summary>The same specification with chat living inside the host application's own DbContext.</summary>
public sealed class HostDbContextStoreSpecificationTests : ChatEngineSpecificationTests
{
    private readonly SqliteTestDatabase _database = new();

    protected override Task ConfigureStoresAsync(ChatEngineBuilder builder)
    {
        builder.Services.AddDbContext<HostAppDbContext>(_database.Configure);
        builder.AddEntityFrameworkStores<HostAppDbContext>();
        return Task.CompletedTask;
    }

    protected override async Task InitializeStorageAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HostAppDbContext>();
        await db.Database.EnsureCreatedAsync();
        db.Invoices.Add(new Invoice { Amount = 12.5m });
        await db.SaveChangesAsync();
    }

    protected override async Task DisposeStorageAsync() => await _database.DisposeAsync();
}
