using ChatEngine.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Xunit;

namespace ChatEngine.EFCore.Tests;

/// <summary>
/// An app whose user keys are strings (Identity's default) keeps them: ChatEngine gives each key a
/// numeric id of its own, on first sight, race-safely, and cached. Here chat keeps a database of its
/// own, so the user table can never be joined to chat's tables.
/// </summary>
public abstract class StringKeyUserDirectoryTests : IAsyncLifetime
{
    private readonly CommandCounter _chatCommands = new();
    private ServiceProvider? _services;
    private ITestDatabase? _users;
    private ITestDatabase? _chat;

    protected abstract Task<ITestDatabase> CreateDatabaseAsync();

    protected abstract void AddChatStores(ChatEngineBuilder chat, ITestDatabase database, CommandCounter counter);

    public async Task InitializeAsync()
    {
        _users = await CreateDatabaseAsync();
        _chat = await CreateDatabaseAsync();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContext<StringKeyUsersDbContext>(_users.Configure);
        var chat = services.AddChatEngineCore();
        AddChatStores(chat, _chat, _chatCommands);
        chat.AddUserDirectory<StringKeyUsersDbContext, StringKeyUser>(u => u.Id, u => u.Handle, u => u.FullName);
        _services = services.BuildServiceProvider();

        await using var scope = _services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<StringKeyUsersDbContext>();
        await users.Database.EnsureCreatedAsync();
        users.Users.AddRange(
            new StringKeyUser { Id = "5d0c7c1e-alice", Handle = "alice", FullName = "Alice Liddell" },
            new StringKeyUser { Id = "0a9f-bob", Handle = "bob" },
            new StringKeyUser { Id = "c4-carol", Handle = "carol" },
            new StringKeyUser { Id = "e1-alicia", Handle = "alicia" });
        await users.SaveChangesAsync();
        await scope.ServiceProvider.GetRequiredService<ChatDbContext>().Database.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        foreach (var database in new[] { _users, _chat })
        {
            if (database is not null)
            {
                await database.DisposeAsync();
            }
        }
    }

    private async Task<T> InScope<T>(Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = _services!.CreateAsyncScope();
        return await action(scope.ServiceProvider);
    }

    private Task<long?> IdOfKeyAsync(string key) =>
        InScope(async sp => await sp.GetRequiredService<IChatUserDirectory>().FindIdByKeyAsync(key, default));

    [Fact]
    public async Task SignedInKeys_GetIdsOnFirstSight_ThatNeverChange()
    {
        var alice = await IdOfKeyAsync("5d0c7c1e-alice");
        var bob = await IdOfKeyAsync("0a9f-bob");

        Assert.NotNull(alice);
        Assert.NotNull(bob);
        Assert.NotEqual(alice, bob);
        Assert.Equal(alice, await IdOfKeyAsync("5d0c7c1e-alice"));
        Assert.Equal(new ChatUser(alice.Value, "alice", "Alice Liddell"), await InScope(sp => sp.GetRequiredService<IChatUserDirectory>().FindByIdAsync(alice.Value, default)));
    }

    [Fact]
    public async Task TheSameNewKey_SeenAtOnceByManyRequests_GetsOneId()
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => IdOfKeyAsync("c4-carol"))));

        Assert.Single(ids.Distinct());
        Assert.NotNull(ids[0]);
    }

    [Fact]
    public async Task TheSignedInUsersId_CostsNoDatabaseRead_AfterTheFirstRequest()
    {
        await IdOfKeyAsync("0a9f-bob");
        _chatCommands.Reset();

        await IdOfKeyAsync("0a9f-bob");

        Assert.Equal(0, _chatCommands.Commands);
    }

    [Fact]
    public async Task Search_FindsUsersWhoNeverOpenedChat_AndGivesThemIds()
    {
        var alice = (await IdOfKeyAsync("5d0c7c1e-alice"))!.Value;

        var found = await InScope(sp => sp.GetRequiredService<IChatUserDirectory>().SearchAsync("ALI", alice, 10, default));

        var alicia = Assert.Single(found);
        Assert.Equal("alicia", alicia.UserName);
        Assert.Equal(alicia.Id, await IdOfKeyAsync("e1-alicia"));
    }

    [Fact]
    public async Task Lookups_ByHandleAndById_AgreeOnIds_AndLeaveUnknownOut()
    {
        var byName = await InScope(sp => sp.GetRequiredService<IChatUserDirectory>().GetByUserNamesAsync(["BOB", "carol", "nobody"], default));
        Assert.Equal(["bob", "carol"], byName.Select(u => u.UserName).Order());

        var byId = await InScope(sp => sp.GetRequiredService<IChatUserDirectory>().GetByIdsAsync([.. byName.Select(u => u.Id), 999_999], default));
        Assert.Equal(byName.Select(u => u.Id).Order(), byId.Keys.Order());
        Assert.Null(await InScope(sp => sp.GetRequiredService<IChatUserDirectory>().FindByIdAsync(999_999, default)));
        Assert.Equal(byName.Single(u => u.UserName == "bob").Id, (await InScope(sp => sp.GetRequiredService<IChatUserDirectory>().FindByUserNameAsync("Bob", default)))!.Id);
    }

    [Fact]
    public async Task KeysLongerThanTheColumn_MapToNoUser()
    {
        Assert.Null(await IdOfKeyAsync(new string('k', ChatUserKeys.MaxKeyLength + 1)));
    }

    [Fact]
    public async Task UsersWithStringKeys_Chat()
    {
        var alice = (await IdOfKeyAsync("5d0c7c1e-alice"))!.Value;

        var chats = await InScope(async sp =>
        {
            var started = await sp.GetRequiredService<ChatService>().StartPrivateChatAsync(alice, "carol", default);
            await sp.GetRequiredService<MessagingService>().SendAsync(alice, started.Chat.ChatId, "hi carol", cancellationToken: default);
            return started;
        });

        var carol = (await IdOfKeyAsync("c4-carol"))!.Value;
        var list = await InScope(sp => sp.GetRequiredService<ChatService>().GetChatsAsync(carol, ChatKind.Private, default));
        Assert.Equal("alice", Assert.Single(list).Title);
        Assert.Equal(chats.Chat.ChatId, list[0].ChatId);
    }
}

public sealed class SqliteStringKeyUserDirectoryTests : StringKeyUserDirectoryTests
{
    protected override Task<ITestDatabase> CreateDatabaseAsync() => Task.FromResult<ITestDatabase>(new SqliteTestDatabase());

    protected override void AddChatStores(ChatEngineBuilder chat, ITestDatabase database, CommandCounter counter)
    {
        chat.Services.AddDbContext<SqliteChatDbContext>(o => o.UseSqlite(database.ConnectionString).AddInterceptors(counter));
        chat.Services.AddScoped<ChatDbContext>(sp => sp.GetRequiredService<SqliteChatDbContext>());
        chat.AddEntityFrameworkStores<SqliteChatDbContext>();
    }
}

public sealed class PostgreSqlStringKeyUserDirectoryTests : StringKeyUserDirectoryTests
{
    protected override async Task<ITestDatabase> CreateDatabaseAsync() => await PostgreSqlTestDatabase.CreateAsync();

    protected override void AddChatStores(ChatEngineBuilder chat, ITestDatabase database, CommandCounter counter)
    {
        chat.Services.AddDbContext<PostgreSqlChatDbContext>(o => o.UseNpgsql(database.ConnectionString).AddInterceptors(counter));
        chat.Services.AddScoped<ChatDbContext>(sp => sp.GetRequiredService<PostgreSqlChatDbContext>());
        chat.AddEntityFrameworkStores<PostgreSqlChatDbContext>();
    }
}

/// <summary>
/// GUID and <see langword="int"/> keys, with chat's tables in the app's own DbContext (one database):
/// GUIDs get ChatEngine's ids whatever case the claim writes them in; ints are the ids themselves.
/// </summary>
public sealed class OtherKeyTypeUserDirectoryTests : IAsyncLifetime
{
    private readonly SqliteTestDatabase _database = new();
    private ServiceProvider? _guids;
    private ServiceProvider? _ints;
    private readonly Guid _alice = Guid.NewGuid();

    public async Task InitializeAsync()
    {
        _guids = Build(chat => chat.AddUserDirectory<OtherKeysDbContext, GuidKeyUser>(u => u.Id, u => u.Handle));
        _ints = Build(chat => chat.AddUserDirectory<OtherKeysDbContext, IntKeyUser>(u => u.Id, u => u.Handle));
        await using var scope = _guids.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OtherKeysDbContext>();
        await db.Database.EnsureCreatedAsync();
        db.AddRange(new GuidKeyUser { Id = _alice, Handle = "alice" }, new IntKeyUser { Id = 42, Handle = "bob" });
        await db.SaveChangesAsync();
    }

    private ServiceProvider Build(Action<ChatEngineBuilder> directory)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContext<OtherKeysDbContext>(_database.Configure);
        directory(services.AddChatEngineCore().AddEntityFrameworkStores<OtherKeysDbContext>());
        return services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _guids!.DisposeAsync();
        await _ints!.DisposeAsync();
        await _database.DisposeAsync();
    }

    private static async Task<T> InScope<T>(ServiceProvider services, Func<IChatUserDirectory, Task<T>> action)
    {
        await using var scope = services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<IChatUserDirectory>());
    }

    [Fact]
    public async Task GuidKeys_GetIds_WhateverTheCaseOfTheClaim_AndTextThatIsNoGuidMapsToNobody()
    {
        var lower = await InScope(_guids!, async d => await d.FindIdByKeyAsync(_alice.ToString(), default));
        var upper = await InScope(_guids!, async d => await d.FindIdByKeyAsync(_alice.ToString().ToUpperInvariant(), default));

        Assert.NotNull(lower);
        Assert.Equal(lower, upper);
        Assert.Equal("alice", (await InScope(_guids!, d => d.FindByIdAsync(lower.Value, default)))?.UserName);
        Assert.Null(await InScope(_guids!, async d => await d.FindIdByKeyAsync("not-a-guid", default)));
    }

    [Fact]
    public void AStoreThatKeepsNoKeyIds_WithAGuidDirectory_FailsAtStartUp_SayingWhatToAdd()
    {
        var services = new ServiceCollection();
        services.AddDbContext<OtherKeysDbContext>(_database.Configure);
        services.AddChatEngineCore().AddInMemoryStores().AddUserDirectory<OtherKeysDbContext, GuidKeyUser>(u => u.Id, u => u.Handle);
        services.RemoveAll<IChatUserKeyStore>(); // As a store of the app's own, written before user keys, would be.
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<ChatEngineOptions>>().Value);
        Assert.Contains("IChatUserKeyStore", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IntKeys_AreTheIdsThemselves()
    {
        Assert.Equal(42, await InScope(_ints!, async d => await d.FindIdByKeyAsync("42", default)));
        Assert.Equal("bob", (await InScope(_ints!, d => d.FindByIdAsync(42, default)))?.UserName);
        Assert.Null(await InScope(_ints!, d => d.FindByIdAsync(long.MaxValue, default)));
        Assert.Null(await InScope(_ints!, async d => await d.FindIdByKeyAsync("forty-two", default)));
    }
}

/// <summary>An app's user table keyed by strings, in a database of its own.</summary>
public sealed class StringKeyUsersDbContext(DbContextOptions<StringKeyUsersDbContext> options) : DbContext(options)
{
    public DbSet<StringKeyUser> Users => Set<StringKeyUser>();
}

public sealed class StringKeyUser
{
    public string Id { get; set; } = "";

    public string Handle { get; set; } = "";

    public string? FullName { get; set; }
}

/// <summary>An app's users keyed by GUIDs and by ints, and chat's tables, in one DbContext.</summary>
public sealed class OtherKeysDbContext(DbContextOptions<OtherKeysDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<GuidKeyUser>();
        modelBuilder.Entity<IntKeyUser>().Property(u => u.Id).ValueGeneratedNever();
        modelBuilder.UseChatEngine();
    }
}

public sealed class GuidKeyUser
{
    public Guid Id { get; set; }

    public string Handle { get; set; } = "";
}

public sealed class IntKeyUser
{
    public int Id { get; set; }

    public string Handle { get; set; } = "";
}

/// <summary>
/// <c>AddChatHandles()</c> over an app whose user names are e-mail addresses (Identity's templates):
/// others see and find handles, never addresses, except a user's exact address, which finds them.
/// </summary>
public sealed class ChatHandleDirectoryTests : IAsyncLifetime
{
    private readonly SqliteTestDatabase _database = new();
    private ServiceProvider? _services;

    public async Task InitializeAsync()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContext<OtherKeysDbContext>(_database.Configure);
        services.AddChatEngineCore()
            .AddEntityFrameworkStores<OtherKeysDbContext>()
            .AddUserDirectory<OtherKeysDbContext, GuidKeyUser>(u => u.Id, u => u.Handle)
            .AddChatHandles();
        _services = services.BuildServiceProvider();
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OtherKeysDbContext>();
        await db.Database.EnsureCreatedAsync();
        db.AddRange(
            new GuidKeyUser { Id = Guid.NewGuid(), Handle = "ann.lee@example.com" },
            new GuidKeyUser { Id = Guid.NewGuid(), Handle = "ann.lee@elsewhere.org" },
            new GuidKeyUser { Id = Guid.NewGuid(), Handle = "ben@example.com" });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        await _services!.DisposeAsync();
        await _database.DisposeAsync();
    }

    private async Task<T> InScope<T>(Func<IChatUserDirectory, Task<T>> action)
    {
        await using var scope = _services!.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<IChatUserDirectory>());
    }

    [Fact]
    public async Task AddressesAreNeverShown_NorFoundByParts_ButAnExactAddressFindsItsUser()
    {
        Assert.Empty(await InScope(d => d.SearchAsync("example.com", excludedUserId: 0, limit: 10, default)));

        var ann = Assert.Single(await InScope(d => d.SearchAsync("ann.lee@example.com", excludedUserId: 0, limit: 10, default)));
        Assert.Equal("ann.lee", ann.UserName);

        // Her namesake elsewhere gets the next free handle when first shown.
        var namesake = await InScope(d => d.FindByUserNameAsync("ann.lee@elsewhere.org", default));
        Assert.Equal("ann.lee2", namesake?.UserName);

        // Now both are found by part of their handles, shown by handle, and reachable by it.
        var found = await InScope(d => d.SearchAsync("ANN", excludedUserId: 0, limit: 10, default));
        Assert.Equal(["ann.lee", "ann.lee2"], found.Select(u => u.UserName));
        Assert.Equal(ann.Id, (await InScope(d => d.FindByUserNameAsync("Ann.Lee", default)))?.Id);
        Assert.Equal("ann.lee", (await InScope(d => d.FindByIdAsync(ann.Id, default)))?.UserName);
        Assert.DoesNotContain(await InScope(d => d.SearchAsync("ann", excludedUserId: ann.Id, limit: 10, default)), u => u.Id == ann.Id);
    }

    [Fact]
    public async Task Chats_ShowHandles()
    {
        await using var scope = _services!.CreateAsyncScope();
        var directory = scope.ServiceProvider.GetRequiredService<IChatUserDirectory>();
        var ben = (await directory.FindByUserNameAsync("ben@example.com", default))!;
        var ann = (await directory.FindByUserNameAsync("ann.lee@example.com", default))!;

        var chats = scope.ServiceProvider.GetRequiredService<ChatService>();
        var started = await chats.StartPrivateChatAsync(ben.Id, "ann.lee", default);
        var sent = await scope.ServiceProvider.GetRequiredService<MessagingService>().SendAsync(ann.Id, started.Chat.ChatId, "hi", cancellationToken: default);

        Assert.Equal("ann.lee", started.Chat.Title);
        Assert.Equal("ann.lee", sent.Sender.UserName);
    }

    [Fact]
    public void AddChatHandles_BeforeAnyDirectory_SaysWhatToDoFirst()
    {
        var services = new ServiceCollection();
        var error = Assert.Throws<InvalidOperationException>(() => services.AddChatEngineCore().AddInMemoryStores().AddChatHandles());
        Assert.Contains("AddUserDirectory", error.Message, StringComparison.Ordinal);
    }
}
