using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ChatEngine.Specification.Tests;

public abstract partial class ChatEngineSpecificationTests
{
    [Fact]
    public async Task Unread_CountsOthersMessagesOnly()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        await SendAsync(Alice, chatId, "one");
        await SendAsync(Alice, chatId, "two");

        Assert.Equal(0, (await Chats.GetChatsAsync(Alice, ChatKind.Private))[0].Unread);
        Assert.Equal(2, (await Chats.GetChatsAsync(Bob, ChatKind.Private))[0].Unread);
    }

    [Fact]
    public async Task Sending_MarksTheSendersOwnPosition()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        await SendAsync(Alice, chatId, "question");
        await SendAsync(Bob, chatId, "answer");

        Assert.Equal(0, (await Chats.GetChatsAsync(Bob, ChatKind.Private))[0].Unread);
        Assert.Equal(1, (await Chats.GetChatsAsync(Alice, ChatKind.Private))[0].Unread);
    }

    [Fact]
    public async Task MarkRead_LowersUnread_AndRecordsWhoReadWhen()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        var m1 = await SendAsync(Alice, chatId, "one");
        var m2 = await SendAsync(Alice, chatId, "two");
        await SendAsync(Alice, chatId, "three");
        Time.Advance(TimeSpan.FromMinutes(1));
        var readAt = Time.GetUtcNow();

        Assert.True(await Messaging.MarkReadAsync(Bob, chatId, m2.Id));

        Assert.Equal(1, (await Chats.GetChatsAsync(Bob, ChatKind.Private))[0].Unread);
        var page = await Chats.GetChatAsync(Alice, chatId);
        var reader = Assert.Single(page.Messages[0].ReadBy);
        Assert.Equal(("bob", readAt), (reader.UserName, reader.ReadAt));
        Assert.Single(page.Messages[1].ReadBy);
        Assert.Empty(page.Messages[2].ReadBy);

        var read = Assert.Single(Events.OfType<MessagesRead>(), e => e.Reader.Id == Bob);
        Assert.Equal((chatId, "bob", m2.Id, readAt), (read.ChatId, read.Reader.UserName, read.UpToMessageId, read.ReadAt));
        Assert.NotEqual(m1.Id, read.UpToMessageId);
    }

    [Fact]
    public async Task MarkRead_Backwards_ChangesNothing()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        var m1 = await SendAsync(Alice, chatId, "one");
        var m2 = await SendAsync(Alice, chatId, "two");
        var firstReadAt = Time.GetUtcNow();
        await Messaging.MarkReadAsync(Bob, chatId, m2.Id);
        Time.Advance(TimeSpan.FromHours(1));

        Assert.False(await Messaging.MarkReadAsync(Bob, chatId, m1.Id));
        Assert.False(await Messaging.MarkReadAsync(Bob, chatId, m2.Id));

        Assert.Single(Events.OfType<MessagesRead>());
        var page = await Chats.GetChatAsync(Alice, chatId);
        Assert.All(page.Messages, m => Assert.Equal(firstReadAt, Assert.Single(m.ReadBy).ReadAt));
    }

    [Fact]
    public async Task MarkRead_MessageOfAnotherChat_IsRefused()
    {
        var withBob = await PrivateChatAsync(Alice, "bob");
        var withCarol = await PrivateChatAsync(Alice, "carol");
        var elsewhere = await SendAsync(Carol, withCarol, "hi");

        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.MessageNotFound, () => Messaging.MarkReadAsync(Alice, withBob, elsewhere.Id));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Messaging.MarkReadAsync(Bob, withCarol, elsewhere.Id));
    }

    [Fact]
    public async Task MarkReadBy_AKnownReader_MarksAndIsRefused_AsMarkReadIs()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        var m1 = await SendAsync(Alice, chatId, "one");
        var m2 = await SendAsync(Alice, chatId, "two");
        var withCarol = await PrivateChatAsync(Alice, "carol");
        var elsewhere = await SendAsync(Carol, withCarol, "hi");
        var bob = (await Users.FindByIdAsync(Bob, CancellationToken.None))!;

        Assert.True(await Messaging.MarkReadByAsync(bob, chatId, m2.Id));
        Assert.False(await Messaging.MarkReadByAsync(bob, chatId, m1.Id));

        Assert.Equal(0, (await Chats.GetChatsAsync(Bob, ChatKind.Private)).Single(c => c.ChatId == chatId).Unread);
        var read = Assert.Single(Events.OfType<MessagesRead>());
        Assert.Equal((chatId, "bob", m2.Id, true), (read.ChatId, read.Reader.UserName, read.UpToMessageId, read.InPrivateChat));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.MessageNotFound, () => Messaging.MarkReadByAsync(bob, chatId, elsewhere.Id));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Messaging.MarkReadByAsync(bob, withCarol, elsewhere.Id));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Messaging.MarkReadByAsync(bob, withCarol + 1000, elsewhere.Id));
    }

    /// <summary>
    /// A transport's marks trust the membership the engine remembers; one that has just ended on
    /// another host (here: in the store behind the engine's back) still marks nothing, since the store
    /// moves members' positions only. Once the engine hears of a removal, the mark is refused.
    /// </summary>
    [Fact]
    public async Task MarkReadBy_AFormerMember_MarksNothing_EvenWhileTheEngineStillThinksThemAMember()
    {
        var id = (await GroupAsync(Alice, "Team", "bob", "carol")).Chat.Id;
        var m1 = await SendAsync(Alice, id, "one");
        var m2 = await SendAsync(Alice, id, "two");
        var carol = (await Users.FindByIdAsync(Carol, CancellationToken.None))!;
        Assert.True(await Messaging.MarkReadByAsync(carol, id, m1.Id)); // Her membership is remembered from here.

        await InScopeAsync(s => s.GetRequiredService<IChatMemberStore>().RemoveAsync(id, Carol, bar: false, CancellationToken.None));
        Assert.False(await Messaging.MarkReadByAsync(carol, id, m2.Id));
        Assert.Single(Events.OfType<MessagesRead>());
        var marks = await InScopeAsync(s => s.GetRequiredService<IChatMemberStore>().GetReadMarksAsync(id, 1, 2, CancellationToken.None));
        Assert.DoesNotContain(marks, m => m.UpToSequence == m2.Sequence);
        Assert.False(await InScopeAsync(s => s.GetRequiredService<IChatMemberStore>().MarkReadAsync(id, Dave, m2.Sequence, Time.GetUtcNow(), CancellationToken.None)));

        var bob = (await Users.FindByIdAsync(Bob, CancellationToken.None))!;
        Assert.True(await Messaging.MarkReadByAsync(bob, id, m1.Id));
        await Groups.RemoveMemberAsync(Alice, id, "bob");
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Messaging.MarkReadByAsync(bob, id, m2.Id));
    }

    [Fact]
    public async Task ReadBy_NeverCountsTheSender_EvenAfterTheyMarkRead()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        var own = await SendAsync(Alice, chatId, "mine");
        await SendAsync(Bob, chatId, "reply");
        var reply = (await Chats.GetChatAsync(Alice, chatId)).Messages[1].Message;

        await Messaging.MarkReadAsync(Alice, chatId, reply.Id);

        var page = await Chats.GetChatAsync(Bob, chatId, limit: 50);
        Assert.Equal(own.Id, page.Messages[0].Message.Id);
        Assert.DoesNotContain(page.Messages[0].ReadBy, r => r.UserName == "alice");
        Assert.Equal(["alice"], page.Messages[1].ReadBy.Select(r => r.UserName));
        Assert.Equal(["bob"], page.Messages[0].ReadBy.Select(r => r.UserName));
    }

    [Fact]
    public async Task FetchingTheNewestPage_MarksTheChatRead_ButOlderPagesDoNot()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        for (var i = 0; i < 5; i++)
        {
            await SendAsync(Alice, chatId, $"m{i}");
        }

        var newest = await Chats.GetChatAsync(Alice, chatId, limit: 2);
        Events.Clear();
        await Chats.GetChatAsync(Bob, chatId, newest.Messages[0].Message.Id, 2);
        Assert.Equal(5, (await Chats.GetChatsAsync(Bob, ChatKind.Private))[0].Unread);
        Assert.Empty(Events.OfType<MessagesRead>());

        await Chats.GetChatAsync(Bob, chatId, limit: 2);

        Assert.Equal(0, (await Chats.GetChatsAsync(Bob, ChatKind.Private))[0].Unread);
        Assert.Single(Events.OfType<MessagesRead>());
        var page = await Chats.GetChatAsync(Alice, chatId);
        Assert.All(page.Messages, m => Assert.Equal("bob", Assert.Single(m.ReadBy).UserName));
    }

    [Fact]
    public async Task ReadBy_InAGroup_ListsEachReaderWithTheirOwnTime()
    {
        var id = (await GroupAsync(Alice, "Team", "bob", "carol", "dave")).Chat.Id;
        var m1 = await SendAsync(Alice, id, "one");
        var m2 = await SendAsync(Alice, id, "two");
        Time.Advance(TimeSpan.FromSeconds(10));
        var bobAt = Time.GetUtcNow();
        await Messaging.MarkReadAsync(Bob, id, m1.Id);
        Time.Advance(TimeSpan.FromSeconds(10));
        var carolAt = Time.GetUtcNow();
        await Messaging.MarkReadAsync(Carol, id, m2.Id);
        Time.Advance(TimeSpan.FromSeconds(10));
        var bobLaterAt = Time.GetUtcNow();
        await Messaging.MarkReadAsync(Bob, id, m2.Id);

        var page = await Chats.GetChatAsync(Alice, id, beforeMessageId: null, limit: 1);
        var older = await Chats.GetChatAsync(Alice, id, beforeMessageId: m2.Id);

        Assert.Equal([("carol", carolAt), ("bob", bobLaterAt)], page.Messages[0].ReadBy.Select(r => (r.UserName, r.ReadAt)));
        Assert.Equal([("bob", bobAt), ("carol", carolAt)], older.Messages[0].ReadBy.Select(r => (r.UserName, r.ReadAt)));
    }
}
