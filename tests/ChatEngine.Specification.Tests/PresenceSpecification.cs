using Xunit;

namespace ChatEngine.Specification.Tests;

public abstract partial class ChatEngineSpecificationTests
{
    [Fact]
    public async Task Presence_WithTwoConnections_StaysOnlineUntilTheLastCloses()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        await Presence.ConnectedAsync(Bob);
        await Presence.ConnectedAsync(Bob);

        await Presence.DisconnectedAsync(Bob);
        Assert.True((await Presence.GetPresenceAsync([Bob]))[Bob].IsOnline);

        Time.Advance(TimeSpan.FromMinutes(3));
        await Presence.DisconnectedAsync(Bob);
        var state = (await Presence.GetPresenceAsync([Bob]))[Bob];
        Assert.False(state.IsOnline);
        Assert.Equal(Time.GetUtcNow(), state.LastSeen);

        var changes = Events.OfType<PresenceChanged>();
        Assert.Equal([true, false], changes.Select(c => c.IsOnline));
        Assert.All(changes, c => Assert.Equal([chatId], c.ChatIds));
        Assert.Equal(Time.GetUtcNow(), changes[1].LastSeen);
    }

    [Fact]
    public async Task Presence_OfANeverSeenUser_IsOfflineWithoutLastSeen()
    {
        var state = (await Presence.GetPresenceAsync([Eve]))[Eve];
        Assert.False(state.IsOnline);
        Assert.Null(state.LastSeen);
    }

    [Fact]
    public async Task Presence_Reconnecting_KeepsThePreviousLastSeenInTheOnlineEvent()
    {
        await Presence.ConnectedAsync(Carol);
        await Presence.DisconnectedAsync(Carol);
        var lastSeen = Time.GetUtcNow();
        Time.Advance(TimeSpan.FromMinutes(1));

        await Presence.ConnectedAsync(Carol);

        Assert.Equal(lastSeen, Events.OfType<PresenceChanged>()[^1].LastSeen);
        Assert.True(Events.OfType<PresenceChanged>()[^1].IsOnline);
    }

    [Fact]
    public async Task Presence_ExtraDisconnect_DoesNotGoNegative()
    {
        await Presence.DisconnectedAsync(Dave);
        await Presence.ConnectedAsync(Dave);
        Assert.True((await Presence.GetPresenceAsync([Dave]))[Dave].IsOnline);
        Assert.Single(Events.OfType<PresenceChanged>());
    }
}
