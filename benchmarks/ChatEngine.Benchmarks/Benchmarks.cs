using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ChatEngine.AspNetCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine.Benchmarks;

/// <summary>Serializing the message frame every recipient gets (once per chat, not per recipient).</summary>
[MemoryDiagnoser]
public class FrameSerializationBenchmarks
{
    private readonly MessageCommitted _committed = new(
        new ChatMessage { Id = 123456, ChatId = 42, Sequence = 789, SenderId = 7, Text = "Hello there! How is the project going?", SentAt = DateTimeOffset.UtcNow, ClientId = "c-5f3a" },
        new ChatUser(7, "jane_smith"));

    private readonly AttachmentLinks _links = new(new Microsoft.AspNetCore.Routing.CompositeEndpointDataSource([]));

    [Benchmark]
    public byte[] SerializeMessageFrame() => JsonSerializer.SerializeToUtf8Bytes(MessageFrame.From(_committed, _links), ChatJsonContext.Default.MessageFrame);
}

/// <summary>Fan-out of one committed message to N raw WebSocket connections of its chat (queueing, not network).</summary>
[MemoryDiagnoser]
public class FanOutBenchmarks
{
    private ChatEngineFixture _fixture = null!;
    private IChatEventHandler _fanOut = null!;
    private ChatSocket[] _sockets = [];
    private long _sequence;

    [Params(10, 100, 1000)]
    public int Connections { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _fixture = await ChatEngineFixture.CreateAsync("InMemory", users: 2, services => services.AddSignalR());
        _fanOut = _fixture.Services.GetServices<IChatEventHandler>().Single(h => h.GetType().Name == "ChatEventFanOut");
        var registry = _fixture.Services.GetRequiredService<ChatConnectionRegistry>();
        _sockets = Enumerable.Range(0, Connections)
            .Select(i => new ChatSocket(i, chatId: 1, queueCapacity: 1 << 20, catchingUp: false))
            .ToArray();
        foreach (var socket in _sockets)
        {
            registry.Add(socket);
        }
    }

    [Benchmark]
    public ValueTask FanOutOneMessage()
    {
        var sequence = ++_sequence;
        var message = new ChatMessage { Id = sequence, ChatId = 1, Sequence = sequence, SenderId = 1, Text = "fan me out", SentAt = DateTimeOffset.UtcNow };
        return _fanOut.HandleAsync(new MessageCommitted(message, new ChatUser(1, "user1")), CancellationToken.None);
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _fixture.DisposeAsync();
}

/// <summary>The core send path (validation, membership, append, publish) on the in-memory store.</summary>
[MemoryDiagnoser]
public class CoreSendBenchmarks
{
    private ChatEngineFixture _fixture = null!;
    private MessagingService _messaging = null!;
    private long _chatId;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _fixture = await ChatEngineFixture.CreateAsync("InMemory", users: 2);
        _messaging = _fixture.Services.GetRequiredService<MessagingService>();
        _chatId = (await _fixture.Services.GetRequiredService<ChatService>().StartPrivateChatAsync(1, "user2")).Chat.ChatId;
    }

    [Benchmark]
    public Task<SentMessage> Send() => _messaging.SendAsync(1, _chatId, "a message of ordinary length");

    [GlobalCleanup]
    public async Task CleanupAsync() => await _fixture.DisposeAsync();
}

/// <summary>
/// What a transport pays for each send before anything is written: a scope of its own, the messaging
/// service in it and the checks of a plain text send, with EF Core's stores (SQLite) registered.
/// </summary>
[MemoryDiagnoser]
public class SendPreparationBenchmarks
{
    private readonly ChatUser _sender = new(1, "user1");
    private ChatEngineFixture _fixture = null!;
    private long _chatId;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _fixture = await ChatEngineFixture.CreateAsync("Sqlite", users: 2);
        _chatId = (await _fixture.InScopeAsync(sp => sp.GetRequiredService<ChatService>().StartPrivateChatAsync(1, "user2"))).Chat.ChatId;
    }

    [Benchmark]
    public Task<PreparedSend> PrepareInScope() => _fixture.InScopeAsync(sp =>
        sp.GetRequiredService<MessagingService>().PrepareSendAsync(1, _chatId, new MessageContent("a message of ordinary length"), _sender, CancellationToken.None));

    [GlobalCleanup]
    public async Task CleanupAsync() => await _fixture.DisposeAsync();
}

/// <summary>
/// The group-commit write path: <see cref="Concurrent"/> senders at once, written in batches of at
/// most that size, each acknowledged after its commit. Time per operation covers all of them.
/// </summary>
[MemoryDiagnoser]
public class GroupCommitBenchmarks
{
    private ChatEngineFixture _fixture = null!;
    private long[] _chatIds = [];

    [Params("Sqlite", "PostgreSql")]
    public string Store { get; set; } = "Sqlite";

    [Params(1, 16, 256)]
    public int Concurrent { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _fixture = await ChatEngineFixture.CreateAsync(Store, users: 11, maxBatchSize: Concurrent);
        var groups = _fixture.Services.GetRequiredService<GroupService>();
        _chatIds = new long[20];
        for (var i = 0; i < _chatIds.Length; i++)
        {
            _chatIds[i] = (await _fixture.InScopeAsync(sp => sp.GetRequiredService<GroupService>().CreateGroupAsync(1, $"g{i}", Enumerable.Range(2, 9).Select(u => $"user{u}").ToArray()))).Chat.Id;
        }
    }

    [Benchmark]
    public Task SendConcurrently() => Task.WhenAll(Enumerable.Range(0, Concurrent).Select(i =>
        _fixture.InScopeAsync(sp => sp.GetRequiredService<MessagingService>().SendAsync(1 + (i % 10), _chatIds[i % _chatIds.Length], "group commit me"))));

    [GlobalCleanup]
    public async Task CleanupAsync() => await _fixture.DisposeAsync();
}

/// <summary>
/// Reads, on SQLite: the chat list of a user with 50 chats, a page of history, a catch-up of 200
/// changes (a client back with its cursor) and the one change a webhook's body is made of.
/// </summary>
[MemoryDiagnoser]
public class ReadBenchmarks
{
    private ChatEngineFixture _fixture = null!;
    private long _busyChat;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _fixture = await ChatEngineFixture.CreateAsync("Sqlite", users: 51);
        for (var other = 2; other <= 51; other++)
        {
            var chatId = await _fixture.InScopeAsync(async sp => (await sp.GetRequiredService<ChatService>().StartPrivateChatAsync(1, $"user{other}")).Chat.ChatId);
            for (var m = 0; m < (other == 2 ? 500 : 5); m++)
            {
                await _fixture.InScopeAsync(sp => sp.GetRequiredService<MessagingService>().SendAsync(other, chatId, $"message {m}"));
            }

            if (other == 2)
            {
                _busyChat = chatId;
            }
        }
    }

    [Benchmark]
    public Task<IReadOnlyList<ChatListItem>> ChatListWith50Chats() =>
        _fixture.InScopeAsync(sp => sp.GetRequiredService<ChatService>().GetChatsAsync(1, ChatKind.Private));

    [Benchmark]
    public Task<ChatDetail> HistoryPage() =>
        _fixture.InScopeAsync(sp => sp.GetRequiredService<ChatService>().GetChatAsync(2, _busyChat, beforeMessageId: null, limit: 50));

    [Benchmark]
    public Task<ChatChangesPage> CatchUpOf200Changes() =>
        _fixture.InScopeAsync(sp => sp.GetRequiredService<ChatChanges>().GetChangesAsync(2, _busyChat, afterSeq: 300, limit: 200));

    [Benchmark]
    public Task<ChatChangesPage> OneChangeForAWebhook() =>
        _fixture.InScopeAsync(sp => sp.GetRequiredService<ChatChanges>().ReadForDeliveryAsync(_busyChat, afterSeq: 250, limit: 1));

    [GlobalCleanup]
    public async Task CleanupAsync() => await _fixture.DisposeAsync();
}
