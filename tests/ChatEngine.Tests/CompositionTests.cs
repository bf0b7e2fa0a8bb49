using ChatEngine.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace ChatEngine.Tests;

public sealed class CompositionTests
{
    [Fact]
    public void AddChatEngine_WithInvalidOptions_FailsWithMessagesThatSayWhatToFix()
    {
        using var provider = BuildProvider(o =>
        {
            o.MaxMessageLength = 0;
            o.DefaultPageSize = 500;
        });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ChatEngineOptions>>().Value);

        Assert.Contains("ChatEngine:MaxMessageLength must be greater than 0 (it is 0).", error.Failures);
        Assert.Contains("ChatEngine:DefaultPageSize (500) must not exceed MaxPageSize (200).", error.Failures);
    }

    [Fact]
    public void AddChatEngine_WithoutAStoreOrAUserDirectory_FailsAtStartUp_SayingWhatToAdd()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddChatEngineCore();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ChatEngineOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains(".AddSqliteStores(", StringComparison.Ordinal) && f.Contains(".AddInMemoryStores()", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains(".AddUserDirectory<", StringComparison.Ordinal));
    }

    [Fact]
    public void AddChatEngine_RegistersTheStartupValidation()
    {
        var services = new ServiceCollection();
        services.AddChatEngineCore();

        // ValidateOnStart registers the options with the host's start-up validator.
        Assert.Contains(services, d => d.ServiceType.Name == "IStartupValidator");
    }

    [Fact]
    public void AddChatEngine_CalledTwice_RegistersEachServiceOnce()
    {
        var services = new ServiceCollection();
        services.AddChatEngineCore().AddInMemoryStores();
        services.AddChatEngineCore().AddInMemoryStores();

        Assert.Single(services, d => d.ServiceType == typeof(ChatService));
        Assert.Single(services, d => d.ServiceType == typeof(IMessageStore));
    }

    [Fact]
    public async Task CreateGroup_BeyondTheMemberLimit_IsRefused()
    {
        await using var provider = BuildProvider(o => o.MaxGroupMembers = 3);
        var groups = provider.GetRequiredService<GroupService>();

        var error = await Assert.ThrowsAsync<ChatException>(() => groups.CreateGroupAsync(1, "Crowd", ["u2", "u3", "u4"]));
        Assert.Equal(ChatErrorCodes.TooManyMembers, error.Code);

        var group = await groups.CreateGroupAsync(1, "Small", ["u2", "u3"]);
        error = await Assert.ThrowsAsync<ChatException>(() => groups.JoinAsync(4, group.JoinCode));
        Assert.Equal(ChatErrorCodes.TooManyMembers, error.Code);
        error = await Assert.ThrowsAsync<ChatException>(() => groups.AddMembersAsync(1, group.Chat.Id, ["u4"]));
        Assert.Equal(ChatErrorCodes.TooManyMembers, error.Code);
    }

    [Fact]
    public async Task Send_WhenAnEventHandlerFails_StillCommitsAndNotifiesTheOtherHandlers()
    {
        var recorder = new Specification.Tests.RecordingEventHandler();
        await using var provider = BuildProvider(configureServices: services =>
        {
            services.AddSingleton<IChatEventHandler, ThrowingEventHandler>();
            services.AddSingleton<IChatEventHandler>(recorder);
        });
        var chats = provider.GetRequiredService<ChatService>();
        var chatId = (await chats.StartPrivateChatAsync(1, "u2")).Chat.ChatId;

        var sent = await provider.GetRequiredService<MessagingService>().SendAsync(1, chatId, "still delivered");

        Assert.True(sent.Created);
        Assert.Single(recorder.OfType<MessageCommitted>());
        Assert.Single((await chats.GetChatAsync(1, chatId)).Messages);
    }

    [Fact]
    public async Task Reconnect_WhileTheLastDisconnectIsStillRecordingLastSeen_IsAnnouncedAfterIt()
    {
        var lastSeen = new HeldLastSeenStore();
        var recorder = new Specification.Tests.RecordingEventHandler();
        await using var provider = BuildProvider(configureServices: s => s.AddSingleton<ILastSeenStore>(lastSeen).AddSingleton<IChatEventHandler>(recorder));
        var presence = provider.GetRequiredService<PresenceService>();
        await presence.ConnectedAsync(1);
        recorder.Clear();

        // A page navigating to the next chat: its socket closes, and a new one opens at once.
        var leaving = presence.DisconnectedAsync(1);
        await lastSeen.Entered.Task;
        var back = presence.ConnectedAsync(1);
        Assert.False(back.IsCompleted);

        lastSeen.Release.SetResult();
        await Task.WhenAll(leaving, back);
        Assert.Equal([false, true], recorder.OfType<PresenceChanged>().Select(e => e.IsOnline));
        Assert.True((await presence.GetPresenceAsync([1]))[1].IsOnline);
    }

    [Fact]
    public async Task Reconnect_OnAnotherHost_WhileTheLastDisconnectIsStillRecordingLastSeen_LeavesTheUserOnline()
    {
        // Two hosts sharing one presence tracker (Redis, in production): each has its own transitions.
        var lastSeen = new HeldLastSeenStore();
        var recorder = new Specification.Tests.RecordingEventHandler();
        await using var provider = BuildProvider(configureServices: s => s.AddSingleton<ILastSeenStore>(lastSeen).AddSingleton<IChatEventHandler>(recorder));
        PresenceService Host() => new(
            provider.GetRequiredService<IPresenceTracker>(), lastSeen, provider.GetRequiredService<IChatStore>(), provider.GetRequiredService<IChatUserDirectory>(),
            provider.GetRequiredService<IChatEventPublisher>(), TimeProvider.System, new PresenceTransitions());
        var (hostA, hostB) = (Host(), Host());
        await hostA.ConnectedAsync(1);
        recorder.Clear();

        var leaving = hostA.DisconnectedAsync(1);
        await lastSeen.Entered.Task;
        await hostB.ConnectedAsync(1);
        lastSeen.Release.SetResult();
        await leaving;

        Assert.Equal([true], recorder.OfType<PresenceChanged>().Select(e => e.IsOnline));
        Assert.True((await hostB.GetPresenceAsync([1]))[1].IsOnline);
    }

    private static ServiceProvider BuildProvider(Action<ChatEngineOptions>? configure = null, Action<IServiceCollection>? configureServices = null)
    {
        var directory = new InMemoryChatUserDirectory();
        for (var id = 1; id <= 5; id++)
        {
            directory.Add(new ChatUser(id, $"u{id}"));
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddChatEngineCore(configure).AddInMemoryStores().AddUserDirectory(directory);
        configureServices?.Invoke(services);
        return services.BuildServiceProvider();
    }

    private sealed class ThrowingEventHandler : IChatEventHandler
    {
        public ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("push service down");
    }

    /// <summary>Holds the recording of last seen until released, as a slow database would.</summary>
    private sealed class HeldLastSeenStore : ILastSeenStore
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task SetLastSeenAsync(long userId, DateTimeOffset lastSeenAt, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Release.Task;
        }

        public Task<IReadOnlyDictionary<long, DateTimeOffset>> GetLastSeenAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyDictionary<long, DateTimeOffset>>(new Dictionary<long, DateTimeOffset>());
    }
}
