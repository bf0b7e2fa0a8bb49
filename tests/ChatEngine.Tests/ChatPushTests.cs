using ChatEngine.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace ChatEngine.Tests;

/// <summary>Where a chat's push goes once it has pushed: on to a message that came while it was under way.</summary>
public sealed class ChatPushTests
{
    [Fact]
    public async Task APushThatSawNothingNewer_MovesOnToAMessageSentSinceItsPlan_NoSoonerThanTheMinimumInterval()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero));
        await using var provider = BuildProvider(time);
        var messaging = provider.GetRequiredService<MessagingService>();
        var group = await provider.GetRequiredService<GroupService>().CreateGroupAsync(1, "Team", ["u2"]);
        var first = await messaging.SendAsync(1, group.Chat.Id, "first");

        time.Advance(TimeSpan.FromSeconds(10)); // The delay is over.
        await using var scope = provider.CreateAsyncScope();
        var push = scope.ServiceProvider.GetRequiredService<ChatPush>();
        var plan = await push.PlanAsync(group.Chat.Id, first.Message.Id);
        Assert.Equal(2, Assert.Single(plan.Notices).UserId);
        Assert.Null(plan.Next);
        Assert.Null(await push.NextAfterAsync(group.Chat.Id, plan)); // Nothing came since: the push ends.

        var planned = time.GetUtcNow();
        time.Advance(TimeSpan.FromSeconds(1));
        var second = await messaging.SendAsync(1, group.Chat.Id, "second");
        Assert.Equal((second.Message.Id, planned + TimeSpan.FromSeconds(30)), await push.NextAfterAsync(group.Chat.Id, plan)); // The minimum interval decides.

        time.Advance(TimeSpan.FromSeconds(24));
        var third = await messaging.SendAsync(1, group.Chat.Id, "third");
        Assert.Equal((third.Message.Id, third.Message.SentAt + TimeSpan.FromSeconds(10)), await push.NextAfterAsync(group.Chat.Id, plan)); // Its delay decides.
    }

    private static ServiceProvider BuildProvider(TimeProvider time)
    {
        var directory = new InMemoryChatUserDirectory();
        directory.Add(new ChatUser(1, "u1"));
        directory.Add(new ChatUser(2, "u2"));
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(time);
        services.AddChatEngineCore().AddInMemoryStores().AddUserDirectory(directory);
        services.Configure<ChatEngineOptions>(o => o.Push.MinInterval = TimeSpan.FromSeconds(30));
        return services.BuildServiceProvider();
    }
}
