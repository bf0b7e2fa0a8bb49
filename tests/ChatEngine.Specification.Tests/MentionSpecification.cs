using Xunit;

namespace ChatEngine.Specification.Tests;

/// <summary>Mentions: found on send and edit among the members, counted per chat while unread.</summary>
public abstract partial class ChatEngineSpecificationTests
{
    private async Task<long> MentionsOfAsync(long user, long chatId, ChatKind kind) =>
        (await Chats.GetChatsAsync(user, kind)).Single(c => c.ChatId == chatId).Mentions;

    [Fact]
    public async Task Mentions_AreTheMembersNamed_AndCountWhileUnread_UntilReadEditedAwayOrDeleted()
    {
        var group = (await GroupAsync(Alice, "Team", "bob", "carol")).Chat.Id;
        var first = (await Messaging.SendAsync(Alice, group, "@bob and @carol, look; @eve is not here, @alice is me")).Message;
        Assert.Equal([Bob, Carol], first.MentionIds);
        Assert.Equal([Bob, Carol], Events.OfType<MessageCommitted>().Single(e => e.Message.Id == first.Id).Message.MentionIds);
        var second = (await Messaging.SendAsync(Carol, group, "thanks @BOB")).Message;

        Assert.Equal(2, await MentionsOfAsync(Bob, group, ChatKind.Group));
        // Carol answered after it: sending moved her read position past the mention.
        Assert.Equal(0, await MentionsOfAsync(Carol, group, ChatKind.Group));
        Assert.Equal(0, await MentionsOfAsync(Alice, group, ChatKind.Group));
        var page = await Chats.GetChatPageAsync(Bob, group, new ChatPageQuery { MarkRead = false });
        Assert.Equal([Bob, Carol], page.Messages.Single(m => m.Message.Id == first.Id).Message.MentionIds);
        var replay = await Changes.GetChangesAsync(Bob, group, 0);
        Assert.Equal([Bob], replay.Events.OfType<MessageCommitted>().Single(e => e.Message.Id == second.Id).Message.MentionIds);

        // An edit finds them again: Carol's edit names nobody now.
        var edit = await MessageChanges.EditAsync(Carol, group, second.Id, "thanks all");
        Assert.Empty(edit.Message.Message.MentionIds);
        Assert.Empty(edit.Change!.Message!.MentionIds);
        Assert.Equal(1, await MentionsOfAsync(Bob, group, ChatKind.Group));
        // A deleted message mentions nobody.
        await MessageChanges.DeleteAsync(Alice, group, first.Id);
        Assert.Equal(0, await MentionsOfAsync(Bob, group, ChatKind.Group));

        // Read, a mention no longer counts.
        var third = (await Messaging.SendAsync(Alice, group, "@carol again")).Message;
        Assert.Equal(1, await MentionsOfAsync(Carol, group, ChatKind.Group));
        await Messaging.MarkReadAsync(Carol, group, third.Id);
        Assert.Equal(0, await MentionsOfAsync(Carol, group, ChatKind.Group));

        // In a private chat too.
        var chat = await PrivateChatAsync(Alice, "bob");
        await Messaging.SendAsync(Bob, chat, "@alice?");
        Assert.Equal(1, await MentionsOfAsync(Alice, chat, ChatKind.Private));
    }
}
