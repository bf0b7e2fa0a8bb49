using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>Nothing a host hooks into the engine can hold up the chat itself.</summary>
public sealed class DeliveryIsolationTests
{
    [Fact]
    public async Task AHostHandlerThatBlocks_StallsNoSenderAndNoDelivery_AndLaterGetsEveryEvent()
    {
        var handler = new BlockingHandler();
        await using var server = await StartAsync(engine: chat =>
        {
            chat.Services.AddSingleton(handler);
            chat.AddEventHandler<BlockingHandler>();
        });
        var chatId = await server.StartChatAsync(Alice, "bob");
        using var alice = await server.ConnectAsync(Alice, chatId);
        using var bob = await server.ConnectAsync(Bob, chatId);
        await handler.Holding.Task.WaitAsync(TimeSpan.FromSeconds(30)); // Stuck in its first event from here on.

        const int Count = 50;
        for (var i = 0; i < Count; i++)
        {
            await alice.SendAsync(new { type = "message", text = $"m{i}" });
        }

        var received = new List<string>();
        while (received.Count < Count)
        {
            received.Add((string)(await bob.ReceiveAsync("message"))["text"]!);
        }

        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"m{i}"), received);
        handler.Release.SetResult();
        var seen = await handler.AllMessages(Count).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(received, seen);
    }

    private sealed class BlockingHandler : IChatEventHandler
    {
        private readonly List<string> _messages = [];
        private TaskCompletionSource? _enough;
        private int _wanted = int.MaxValue;

        public TaskCompletionSource Holding { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<IReadOnlyList<string>> AllMessages(int count)
        {
            lock (_messages)
            {
                _wanted = count;
                _enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Check();
                return _enough.Task.ContinueWith(_ => (IReadOnlyList<string>)_messages.ToArray(), TaskScheduler.Default);
            }
        }

        public async ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
        {
            Holding.TrySetResult();
            await Release.Task;
            if (chatEvent is MessageCommitted committed)
            {
                lock (_messages)
                {
                    _messages.Add(committed.Message.Text);
                    Check();
                }
            }
        }

        private void Check()
        {
            if (_messages.Count >= _wanted)
            {
                _enough?.TrySetResult();
            }
        }
    }
}

/// <summary>The delivery lanes stop with the container, however the app disposes it.</summary>
public sealed class DeliveryLifetimeTests
{
    [Fact]
    public async Task AContainerDisposedSynchronously_AfterDelivering_StopsWithoutError()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddChatEngine().AddInMemoryStores().AddUserDirectory(new ChatEngine.InMemory.InMemoryChatUserDirectory());
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IChatEventPublisher>().PublishAsync(new UserTyping(1, new ChatUser(1, "alice")), CancellationToken.None);

        var error = Record.Exception(provider.Dispose);

        Assert.Null(error);
    }
}
