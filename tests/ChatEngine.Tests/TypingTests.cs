using ChatEngine.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace ChatEngine.Tests;

/// <summary>Typing is the most frequent frame there is: it must cost no store read once membership is known.</summary>
public sealed class TypingTests : IAsyncDisposable
{
    private readonly CountingMemberStore _members;
    private readonly ServiceProvider _provider;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    public TypingTests()
    {
        var directory = new InMemoryChatUserDirectory();
        for (var id = 1; id <= 4; id++)
        {
            directory.Add(new ChatUser(id, $"u{id}"));
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_time);
        services.AddChatEngineCore().AddInMemoryStores().AddUserDirectory(directory);
        services.AddSingleton<IChatMemberStore>(sp => new CountingMemberStore(sp.GetRequiredService<InMemoryChatStore>()));
        _provider = services.BuildServiceProvider();
        _members = (CountingMemberStore)_provider.GetRequiredService<IChatMemberStore>();
    }

    private MessagingService Messaging => _provider.GetRequiredService<MessagingService>();

    private GroupService Groups => _provider.GetRequiredService<GroupService>();

    [Fact]
    public async Task RepeatedTyping_ReadsMembershipOnce()
    {
        var group = await Groups.CreateGroupAsync(1, "Team", ["u2"]);
        var typist = new ChatUser(1, "u1");
        var before = _members.Finds;

        for (var i = 0; i < 50; i++)
        {
            await Messaging.NotifyTypingByAsync(typist, group.Chat.Id);
        }

        Assert.Equal(1, _members.Finds - before);
    }

    [Fact]
    public async Task RemovedMember_IsRefusedAtOnce_AndAnAddedOneIsLetIn()
    {
        var group = await Groups.CreateGroupAsync(1, "Team", ["u2"]);
        await Messaging.NotifyTypingByAsync(new ChatUser(2, "u2"), group.Chat.Id);
        await Assert.ThrowsAsync<ChatException>(() => Messaging.NotifyTypingByAsync(new ChatUser(3, "u3"), group.Chat.Id));

        await Groups.RemoveMemberAsync(1, group.Chat.Id, "u2");
        await Groups.AddMembersAsync(1, group.Chat.Id, ["u3"]);

        var removed = await Assert.ThrowsAsync<ChatException>(() => Messaging.NotifyTypingByAsync(new ChatUser(2, "u2"), group.Chat.Id));
        Assert.Equal(ChatErrorCodes.ChatNotFound, removed.Code);
        await Messaging.NotifyTypingByAsync(new ChatUser(3, "u3"), group.Chat.Id);
    }

    [Fact]
    public async Task NotAMember_IsRememberedBriefly_ThenAskedAgain()
    {
        var group = await Groups.CreateGroupAsync(1, "Team", ["u2"]);
        var stranger = new ChatUser(4, "u4");
        var before = _members.Finds;

        for (var i = 0; i < 10; i++)
        {
            await Assert.ThrowsAsync<ChatException>(() => Messaging.NotifyTypingByAsync(stranger, group.Chat.Id));
        }

        Assert.Equal(1, _members.Finds - before);
        _time.Advance(TimeSpan.FromSeconds(6));
        await Assert.ThrowsAsync<ChatException>(() => Messaging.NotifyTypingByAsync(stranger, group.Chat.Id));
        Assert.Equal(2, _members.Finds - before);
    }

    public ValueTask DisposeAsync() => _provider.DisposeAsync();

    private sealed class CountingMemberStore(IChatMemberStore inner) : IChatMemberStore
    {
        private int _finds;

        public int Finds => Volatile.Read(ref _finds);

        public Task<ChatMember?> FindAsync(long chatId, long userId, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _finds);
            return inner.FindAsync(chatId, userId, cancellationToken);
        }

        public Task<IReadOnlyList<ChatMember>> GetMembersAsync(long chatId, CancellationToken cancellationToken) => inner.GetMembersAsync(chatId, cancellationToken);

        public Task<bool> AddAsync(long chatId, long userId, ChatRole role, DateTimeOffset joinedAt, CancellationToken cancellationToken) => inner.AddAsync(chatId, userId, role, joinedAt, cancellationToken);

        public Task<bool> RemoveAsync(long chatId, long userId, bool bar, CancellationToken cancellationToken) => inner.RemoveAsync(chatId, userId, bar, cancellationToken);

        public Task<bool> IsBarredAsync(long chatId, long userId, CancellationToken cancellationToken) => inner.IsBarredAsync(chatId, userId, cancellationToken);

        public Task<bool> SetRoleAsync(long chatId, long userId, ChatRole role, CancellationToken cancellationToken) => inner.SetRoleAsync(chatId, userId, role, cancellationToken);

        public Task<bool> MarkReadAsync(long chatId, long userId, long upToSequence, DateTimeOffset readAt, CancellationToken cancellationToken) => inner.MarkReadAsync(chatId, userId, upToSequence, readAt, cancellationToken);

        public Task<IReadOnlyList<ReadMark>> GetReadMarksAsync(long chatId, long fromSequence, long toSequence, CancellationToken cancellationToken) => inner.GetReadMarksAsync(chatId, fromSequence, toSequence, cancellationToken);
    }
}
