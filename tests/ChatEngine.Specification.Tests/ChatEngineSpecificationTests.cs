using ChatEngine.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace ChatEngine.Specification.Tests;

/// <summary>
/// The behaviour every store must give the chat engine, exercised through the core services so the
/// rules and the store are checked together. A store's test class derives from this, says how to
/// register the store in <see cref="ConfigureStores"/>, and runs every test unchanged.
/// </summary>
public abstract partial class ChatEngineSpecificationTests : IAsyncLifetime
{
    protected const long Alice = 1, Bob = 2, Carol = 3, Dave = 4, Eve = 5;

    protected const int MaxGroupMembers = 12;

    protected const int MaxReplay = 30;

    private ServiceProvider? _provider;

    /// <summary>Where this test's attachments' bytes are kept.</summary>
    protected string AttachmentFolder { get; } = Directory.CreateTempSubdirectory("chatengine-spec-files-").FullName;

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 15, 10, 30, 0, TimeSpan.Zero));

    protected RecordingEventHandler Events { get; } = new();

    /// <summary>Every change handed to change participants, in the order they were handed over.</summary>
    protected ParticipantLog Participated { get; } = new();

    protected InMemoryChatUserDirectory Users { get; } = new();

    /// <summary>Every report the host's moderation sink was told of.</summary>
    protected ReportLog Reported { get; } = new();

    protected IServiceProvider Services => _provider ?? throw new InvalidOperationException("InitializeAsync has not run.");

    protected ChatService Chats => Services.GetRequiredService<ChatService>();

    protected GroupService Groups => Services.GetRequiredService<GroupService>();

    protected MessagingService Messaging => Services.GetRequiredService<MessagingService>();

    protected PresenceService Presence => Services.GetRequiredService<PresenceService>();

    /// <summary>Registers the store under test; called once per test with a fresh service collection.</summary>
    protected abstract Task ConfigureStoresAsync(ChatEngineBuilder builder);

    /// <summary>Sets up per-test storage (a new database, say) after the provider is built.</summary>
    protected virtual Task InitializeStorageAsync(IServiceProvider services) => Task.CompletedTask;

    /// <summary>Removes per-test storage.</summary>
    protected virtual Task DisposeStorageAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        Users.Add(new ChatUser(Alice, "alice", "Alice"));
        Users.Add(new ChatUser(Bob, "bob", "Bob"));
        Users.Add(new ChatUser(Carol, "carol"));
        Users.Add(new ChatUser(Dave, "dave"));
        Users.Add(new ChatUser(Eve, "eve"));
        for (var i = 1; i <= 25; i++)
        {
            Users.Add(new ChatUser(100 + i, $"searchable{i:00}"));
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Time);
        // A small member cap, so the tests of racing joins reach it.
        var builder = services.AddChatEngineCore(o =>
            {
                o.MaxGroupMembers = MaxGroupMembers;
                o.Sync.MaxReplay = MaxReplay; // Small, so a test reaches it.
            })
            .AddUserDirectory(Users);
        services.AddSingleton<IChatEventHandler>(Events);
        services.AddSingleton(Participated);
        builder.AddChangeParticipant<RecordingParticipant>();
        services.AddSingleton(Reported);
        builder.AddModerationSink<RecordingModerationSink>();
        builder.AddFileSystemAttachments(AttachmentFolder);
        await ConfigureStoresAsync(builder);
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = false, ValidateOnBuild = true });
        await InitializeStorageAsync(_provider);
    }

    public async Task DisposeAsync()
    {
        // The provider first: it finishes the store's background work before the storage goes away.
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        await DisposeStorageAsync();
        Directory.Delete(AttachmentFolder, recursive: true);
    }

    /// <summary>Runs <paramref name="work"/> in its own scope, as a request or connection would.</summary>
    protected async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    protected static async Task<ChatException> AssertChatErrorAsync(ChatErrorKind kind, string code, Func<Task> action)
    {
        var error = await Assert.ThrowsAsync<ChatException>(action);
        Assert.Equal(kind, error.Kind);
        Assert.Equal(code, error.Code);
        return error;
    }

    protected async Task<long> PrivateChatAsync(long user, string other) =>
        (await Chats.StartPrivateChatAsync(user, other)).Chat.ChatId;

    protected async Task<GroupView> GroupAsync(long owner, string name, params string[] members) =>
        await Groups.CreateGroupAsync(owner, name, members);

    protected async Task<ChatMessage> SendAsync(long user, long chatId, string text, string? clientId = null)
    {
        Time.Advance(TimeSpan.FromSeconds(1));
        return (await Messaging.SendAsync(user, chatId, text, clientId)).Message;
    }
}
