using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ChatEngine.EFCore.Tests;

/// <summary>
/// <c>AddUserDirectory&lt;TContext, TUser&gt;</c> reads an app's own user table, on both databases,
/// with the matching rules the core relies on: case-insensitive names, substring search, caller left out.
/// </summary>
public abstract class UserDirectoryTests : IAsyncLifetime
{
    private ServiceProvider? _services;
    private ITestDatabase? _database;

    protected abstract Task<ITestDatabase> CreateDatabaseAsync();

    public async Task InitializeAsync()
    {
        _database = await CreateDatabaseAsync();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContext<UserAppDbContext>(_database.Configure);
        services.AddChatEngineCore()
            .AddEntityFrameworkStores<UserAppDbContext>()
            .AddUserDirectory<UserAppDbContext, AppUser>(u => u.Id, u => u.Login, u => u.FullName);
        _services = services.BuildServiceProvider();

        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<UserAppDbContext>();
        await db.Database.EnsureCreatedAsync();
        db.Users.AddRange(
            new AppUser { Id = 1, Login = "Alice", FullName = "Alice Liddell" },
            new AppUser { Id = 2, Login = "bob" },
            new AppUser { Id = 3, Login = "alicia" },
            new AppUser { Id = 4, Login = "Malice" });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    private async Task<T> WithDirectory<T>(Func<IChatUserDirectory, Task<T>> action)
    {
        await using var scope = _services!.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<IChatUserDirectory>());
    }

    [Fact]
    public async Task FindById_MapsTheAppsColumns()
    {
        Assert.Equal(new ChatUser(1, "Alice", "Alice Liddell"), await WithDirectory(d => d.FindByIdAsync(1, default)));
        Assert.Equal(new ChatUser(2, "bob", null), await WithDirectory(d => d.FindByIdAsync(2, default)));
        Assert.Null(await WithDirectory(d => d.FindByIdAsync(99, default)));
    }

    [Fact]
    public async Task FindByUserName_IgnoresCase()
    {
        Assert.Equal(1, (await WithDirectory(d => d.FindByUserNameAsync("aLICE", default)))?.Id);
        Assert.Null(await WithDirectory(d => d.FindByUserNameAsync("alic", default)));
    }

    [Fact]
    public async Task GetByIdsAndUserNames_LeaveUnknownOut()
    {
        var byId = await WithDirectory(d => d.GetByIdsAsync([1, 3, 99], default));
        Assert.Equal([1L, 3L], byId.Keys.Order());

        var byName = await WithDirectory(d => d.GetByUserNamesAsync(["BOB", "malice", "nobody"], default));
        Assert.Equal([2L, 4L], byName.Select(u => u.Id).Order());
    }

    [Fact]
    public async Task Search_MatchesSubstringsIgnoringCase_OrderedByName_WithoutTheCaller()
    {
        var found = await WithDirectory(d => d.SearchAsync("ALI", excludedUserId: 3, limit: 10, default));
        Assert.Equal(["Alice", "Malice"], found.Select(u => u.UserName));

        var limited = await WithDirectory(d => d.SearchAsync("li", excludedUserId: 2, limit: 2, default));
        Assert.Equal(2, limited.Count);
    }

    [Fact]
    public async Task Chat_CanStartBetweenTheAppsUsers()
    {
        await using var scope = _services!.CreateAsyncScope();
        var chats = scope.ServiceProvider.GetRequiredService<ChatService>();
        var started = await chats.StartPrivateChatAsync(1, "BOB", default);
        Assert.Equal("bob", started.Chat.Title);
    }
}

public sealed class SqliteUserDirectoryTests : UserDirectoryTests
{
    protected override Task<ITestDatabase> CreateDatabaseAsync() => Task.FromResult<ITestDatabase>(new SqliteTestDatabase());
}

public sealed class PostgreSqlUserDirectoryTests : UserDirectoryTests
{
    protected override async Task<ITestDatabase> CreateDatabaseAsync() => await PostgreSqlTestDatabase.CreateAsync();
}

/// <summary>An app's DbContext with its own user table, whose columns are not named as ChatEngine's.</summary>
public sealed class UserAppDbContext(DbContextOptions<UserAppDbContext> options) : DbContext(options)
{
    public DbSet<AppUser> Users => Set<AppUser>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<AppUser>().Property(u => u.Id).ValueGeneratedNever();
        modelBuilder.UseChatEngine();
    }
}

public sealed class AppUser
{
    public long Id { get; set; }

    public string Login { get; set; } = "";

    public string? FullName { get; set; }
}
