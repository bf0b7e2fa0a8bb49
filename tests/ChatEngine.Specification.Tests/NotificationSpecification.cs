using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ChatEngine.Specification.Tests;

/// <summary>Notification settings: a level and a mute per member and chat, which decide who a new message notifies.</summary>
public abstract partial class ChatEngineSpecificationTests
{
    protected ChatNotifications Notifications => Services.GetRequiredService<ChatNotifications>();

    [Fact]
    public async Task Notifications_AreKeptPerMemberAndChat_AndDecideWhoANewMessageNotifies()
    {
        var group = (await GroupAsync(Alice, "Team", "bob", "carol", "dave")).Chat.Id;
        Assert.Equal(new ChatNotificationSettings(NotifyLevel.All, null), await Notifications.GetAsync(Bob, group));

        var muteEnds = Time.GetUtcNow().AddHours(1);
        await Notifications.SetAsync(Bob, group, NotifyLevel.Mentions, null);
        await Notifications.SetAsync(Carol, group, NotifyLevel.None, null);
        Assert.Equal(new ChatNotificationSettings(NotifyLevel.All, muteEnds), await Notifications.SetAsync(Dave, group, NotifyLevel.All, muteEnds));
        Assert.Equal(new ChatNotificationSettings(NotifyLevel.Mentions, null), await Notifications.GetAsync(Bob, group));
        var daves = (await Chats.GetChatsAsync(Dave, ChatKind.Group)).Single(c => c.ChatId == group);
        Assert.Equal(new ChatNotificationSettings(NotifyLevel.All, muteEnds), daves.Notifications);

        var plain = await Messaging.SendAsync(Alice, group, "lunch?");
        Assert.Empty(await Notifications.WhoToNotifyAsync(Events.OfType<MessageCommitted>().Single(e => e.Message.Id == plain.Message.Id), ChatKind.Group));
        var mention = await Messaging.SendAsync(Alice, group, "@bob @carol @dave lunch?");
        var committed = Events.OfType<MessageCommitted>().Single(e => e.Message.Id == mention.Message.Id);
        Assert.Equal([Bob], await Notifications.WhoToNotifyAsync(committed, ChatKind.Group));

        // The mute runs out on its own: Dave hears again, and his settings say no mute.
        Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        Assert.Equal([Bob, Dave], (await Notifications.WhoToNotifyAsync(committed, ChatKind.Group)).Order());
        Assert.Equal(new ChatNotificationSettings(NotifyLevel.All, null), await Notifications.GetAsync(Dave, group));

        // In a private chat, "mentions" is every message.
        var chat = await PrivateChatAsync(Alice, "bob");
        await Notifications.SetAsync(Bob, chat, NotifyLevel.Mentions, null);
        var direct = await Messaging.SendAsync(Alice, chat, "hi");
        Assert.Equal([Bob], await Notifications.WhoToNotifyAsync(Events.OfType<MessageCommitted>().Single(e => e.Message.Id == direct.Message.Id), ChatKind.Private));

        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidTime, () => Notifications.SetAsync(Bob, chat, NotifyLevel.All, Time.GetUtcNow()));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidLevel, () => Notifications.SetAsync(Bob, chat, (NotifyLevel)7, null));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Notifications.SetAsync(Eve, chat, NotifyLevel.None, null));
    }
}
