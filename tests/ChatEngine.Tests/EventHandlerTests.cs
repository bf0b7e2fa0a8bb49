using ChatEngine.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ChatEngine.Tests;

/// <summary>A host's event handler runs on a queue of its own: however slow it is, nobody else waits for it.</summary>
public sealed class EventHandlerTests
{
    [Fact]
    public async Task ABlockedHandler_StallsNoSender_AndThenGetsEveryEventInOrder()
    {
        var handler = new BlockingHandler(expected: 7);
        await using var provider = BuildProvider(handler, queueCapacity: 100);
        var groups = provider.GetRequiredService<GroupService>();
        var messaging = provider.GetRequiredService<MessagingService>();
        var group = await groups.CreateGroupAsync(1, "Team", ["u2"]);

        // The handler holds its first event (the group's creation) and will not let go until told.
        await handler.Holding.Task;
        for (var i = 0; i < 5; i++)
        {
            await messaging.SendAsync(1 + (i % 2), group.Chat.Id, $"message {i}");
        }

        handler.Release.SetResult();
        var seen = await handler.All.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.IsType<ChatMembershipChanged>(seen[0]);
        Assert.Equal(1, Assert.IsType<ChatChanged>(seen[1]).Change.Seq);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"message {i}"), seen.Skip(2).Cast<MessageCommitted>().Select(e => e.Message.Text));
    }

    [Fact]
    public async Task AHandlerAWholeQueueBehind_MissesTheNextEvents_AloneAndWithoutHoldingAnyoneUp()
    {
        var handler = new BlockingHandler(expected: int.MaxValue);
        var provider = BuildProvider(handler, queueCapacity: 3);
        var messaging = provider.GetRequiredService<MessagingService>();
        var group = await provider.GetRequiredService<GroupService>().CreateGroupAsync(1, "Team", ["u2"]);
        await handler.Holding.Task;

        for (var i = 0; i < 10; i++)
        {
            await messaging.SendAsync(1, group.Chat.Id, $"message {i}");
        }

        handler.Release.SetResult();
        await provider.DisposeAsync(); // Hands the handler what is queued, then stops.

        // The event in hand, then the three the queue held (the creation's numbered change and two
        // messages); the other eight were dropped for it alone.
        Assert.Equal(["message 0", "message 1"], handler.Seen.OfType<MessageCommitted>().Select(e => e.Message.Text));
        Assert.Equal(4, handler.Seen.Count);
    }

    private static ServiceProvider BuildProvider(BlockingHandler handler, int queueCapacity)
    {
        var directory = new InMemoryChatUserDirectory();
        directory.Add(new ChatUser(1, "u1"));
        directory.Add(new ChatUser(2, "u2"));
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(handler);
        services.AddChatEngineCore().AddInMemoryStores().AddUserDirectory(directory).AddEventHandler<BlockingHandler>(queueCapacity);
        return services.BuildServiceProvider();
    }

    private sealed class BlockingHandler(int expected) : IChatEventHandler
    {
        public TaskCompletionSource Holding { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<List<ChatEvent>> All { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<ChatEvent> Seen { get; } = [];

        public async ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
        {
            Seen.Add(chatEvent);
            Holding.TrySetResult();
            await Release.Task;
            if (Seen.Count == expected)
            {
                All.TrySetResult([.. Seen]);
            }
        }
    }
}
