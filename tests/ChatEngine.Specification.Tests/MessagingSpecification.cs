using Xunit;

namespace ChatEngine.Specification.Tests;

public abstract partial class ChatEngineSpecificationTests
{
    [Fact]
    public async Task Send_TrimsText_StampsServerTime_AndNumbersFromOne()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");

        var first = await SendAsync(Alice, chatId, "  Hello there!  \n");
        var second = await SendAsync(Bob, chatId, "Hi");

        Assert.Equal("Hello there!", first.Text);
        Assert.Equal(1, first.Sequence);
        Assert.Equal(2, second.Sequence);
        Assert.True(second.Id > first.Id);
        Assert.Equal(Time.GetUtcNow(), second.SentAt);
        Assert.Equal(Alice, first.SenderId);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \t\n ")]
    public async Task Send_EmptyText_IsRefused(string? text)
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.EmptyText, () => Messaging.SendAsync(Alice, chatId, text));
        Assert.Empty(Events.OfType<MessageCommitted>());
    }

    [Fact]
    public async Task Send_TextAtTheLimit_IsAccepted_AndOneMoreIsRefused()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");

        var atLimit = await Messaging.SendAsync(Alice, chatId, new string('a', 4000));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.TextTooLong, () => Messaging.SendAsync(Alice, chatId, new string('a', 4001)));

        Assert.Equal(4000, atLimit.Message.Text.Length);
        Assert.Single((await Chats.GetChatAsync(Alice, chatId)).Messages);
    }

    [Fact]
    public async Task Send_TooLongClientId_IsRefused()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.ClientIdTooLong, () => Messaging.SendAsync(Alice, chatId, "hi", new string('c', 101)));
    }

    [Fact]
    public async Task Send_ToChatOfOthersOrUnknownChat_IsNotFound()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Messaging.SendAsync(Carol, chatId, "let me in"));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Messaging.SendAsync(Alice, 424242, "anyone?"));
        Assert.Empty((await Chats.GetChatAsync(Alice, chatId)).Messages);
    }

    [Fact]
    public async Task Send_AfterLeavingAGroup_IsNotFound_EvenAsARetryOfAnEarlierMessage()
    {
        var group = await Groups.CreateGroupAsync(Alice, "team", ["bob"]);
        await Messaging.SendAsync(Bob, group.Chat.Id, "still here", "b-1");
        await Groups.RemoveMemberAsync(Alice, group.Chat.Id, "bob");

        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Messaging.SendAsync(Bob, group.Chat.Id, "let me back"));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Messaging.SendAsync(Bob, group.Chat.Id, "still here", "b-1"));
        Assert.Equal(["still here"], (await Chats.GetChatAsync(Alice, group.Chat.Id)).Messages.Select(m => m.Message.Text));
    }

    [Fact]
    public async Task Send_WhenClientIdRepeats_ReturnsFirstMessage()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");

        var first = await Messaging.SendAsync(Alice, chatId, "once", "c-1");
        var retry = await Messaging.SendAsync(Alice, chatId, "once", "c-1");

        Assert.True(first.Created);
        Assert.False(retry.Created);
        Assert.Equal(first.Message, retry.Message);
        Assert.Single((await Chats.GetChatAsync(Alice, chatId)).Messages);
        Assert.Single(Events.OfType<MessageCommitted>());
    }

    [Fact]
    public async Task Send_WhenClientIdRepeatsConcurrently_StoresOneMessage()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            InScopeAsync(sp => sp.GetRequiredService<MessagingService>().SendAsync(Alice, chatId, "racing retry", "same-key"))));

        Assert.Single(results.Select(r => r.Message.Id).Distinct());
        Assert.Single(results, r => r.Created);
        Assert.Single((await Chats.GetChatAsync(Alice, chatId)).Messages);
    }

    [Fact]
    public async Task Send_SameClientIdFromAnotherSenderOrChat_IsADifferentMessage()
    {
        var withBob = await PrivateChatAsync(Alice, "bob");
        var withCarol = await PrivateChatAsync(Alice, "carol");

        var a = await Messaging.SendAsync(Alice, withBob, "x", "k");
        var b = await Messaging.SendAsync(Bob, withBob, "y", "k");
        var c = await Messaging.SendAsync(Alice, withCarol, "z", "k");

        Assert.True(a.Created && b.Created && c.Created);
        Assert.Equal(3, new[] { a.Message.Id, b.Message.Id, c.Message.Id }.Distinct().Count());
    }

    [Fact]
    public async Task Send_Concurrently_KeepsSequencesUniqueAndGapless()
    {
        var id = (await GroupAsync(Alice, "Busy", "bob", "carol", "dave")).Chat.Id;
        var senders = new[] { Alice, Bob, Carol, Dave };

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            InScopeAsync(sp => sp.GetRequiredService<MessagingService>().SendAsync(senders[i % 4], id, $"message {i}"))));

        var sequences = results.Select(r => r.Message.Sequence).Order().ToArray();
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), sequences);
        Assert.Equal(200, results.Select(r => r.Message.Id).Distinct().Count());
        var history = await Chats.GetChatAsync(Alice, id, limit: 200);
        Assert.Equal(sequences, history.Messages.Select(m => m.Message.Sequence));
        Assert.Equal(200, Events.OfType<MessageCommitted>().Count);
    }

    [Fact]
    public async Task Send_PublishesTheCommittedMessageWithItsSender()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");

        var sent = await SendAsync(Alice, chatId, "hello", "cid");

        var committed = Assert.Single(Events.OfType<MessageCommitted>());
        Assert.Equal(sent, committed.Message);
        Assert.Equal("alice", committed.Sender.UserName);
        Assert.Equal("cid", committed.Message.ClientId);
    }

    [Fact]
    public async Task GetChat_ReturnsTheNewestPageOldestFirst_AndPagesBackByMessageId()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        var sent = new List<ChatMessage>();
        for (var i = 1; i <= 7; i++)
        {
            sent.Add(await SendAsync(i % 2 == 0 ? Bob : Alice, chatId, $"m{i}"));
        }

        var newest = await Chats.GetChatAsync(Alice, chatId, limit: 3);
        Assert.Equal(["m5", "m6", "m7"], newest.Messages.Select(m => m.Message.Text));
        Assert.True(newest.HasMore);
        Assert.Equal(["alice", "bob", "alice"], newest.Messages.Select(m => m.Sender.UserName));

        var older = await Chats.GetChatAsync(Alice, chatId, newest.Messages[0].Message.Id, 3);
        Assert.Equal(["m2", "m3", "m4"], older.Messages.Select(m => m.Message.Text));
        Assert.True(older.HasMore);

        var oldest = await Chats.GetChatAsync(Alice, chatId, older.Messages[0].Message.Id, 3);
        Assert.Equal(["m1"], oldest.Messages.Select(m => m.Message.Text));
        Assert.False(oldest.HasMore);

        var all = await Chats.GetChatAsync(Alice, chatId);
        Assert.Equal(7, all.Messages.Count);
        Assert.False(all.HasMore);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(201)]
    public async Task GetChat_WithOutOfRangeLimit_IsRefused(int limit)
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidPaging, () => Chats.GetChatAsync(Alice, chatId, limit: limit));
    }

    [Fact]
    public async Task GetChat_BeforeAMessageOfAnotherChat_IsRefused()
    {
        var withBob = await PrivateChatAsync(Alice, "bob");
        var withCarol = await PrivateChatAsync(Alice, "carol");
        var elsewhere = await SendAsync(Carol, withCarol, "secret");

        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.MessageNotFound, () => Chats.GetChatAsync(Alice, withBob, elsewhere.Id));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.MessageNotFound, () => Chats.GetChatAsync(Alice, withBob, 99999));
    }

    [Fact]
    public async Task GetMessagesAfter_ReturnsExactlyTheMissedMessagesInOrder()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        var seen = await SendAsync(Alice, chatId, "seen");
        await SendAsync(Bob, chatId, "missed 1");
        await SendAsync(Alice, chatId, "missed 2");

        var missed = await Messaging.GetMessagesAfterAsync(Bob, chatId, seen.Id);
        var everything = await Messaging.GetMessagesAfterAsync(Bob, chatId, 0);

        Assert.Equal(["missed 1", "missed 2"], missed.Select(m => m.Message.Text));
        Assert.Equal(["bob", "alice"], missed.Select(m => m.Sender.UserName));
        Assert.Equal(3, everything.Count);
        Assert.Empty(await Messaging.GetMessagesAfterAsync(Bob, chatId, missed[^1].Message.Id));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Messaging.GetMessagesAfterAsync(Carol, chatId, 0));
    }

    [Fact]
    public async Task Typing_IsPublishedForMembersOnly()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");

        await Messaging.NotifyTypingAsync(Alice, chatId);
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Messaging.NotifyTypingAsync(Carol, chatId));

        var typing = Assert.Single(Events.OfType<UserTyping>());
        Assert.Equal(chatId, typing.ChatId);
        Assert.Equal("alice", typing.User.UserName);
    }
}
