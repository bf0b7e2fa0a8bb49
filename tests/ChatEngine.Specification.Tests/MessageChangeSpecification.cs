using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace ChatEngine.Specification.Tests;

/// <summary>Messages that change: edit, delete, reactions, replies and pins, each a numbered change.</summary>
public abstract partial class ChatEngineSpecificationTests
{
    protected MessageChangeService MessageChanges => Services.GetRequiredService<MessageChangeService>();

    protected ChatEngineOptions Options => Services.GetRequiredService<IOptions<ChatEngineOptions>>().Value;

    [Fact]
    public async Task Edit_ReplacesTheText_TakesTheNextNumber_AndReplaysAsTheMessageIsNow()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        var sent = await SendAsync(Alice, chatId, "helo");
        Time.Advance(TimeSpan.FromMinutes(1));

        var edit = await MessageChanges.EditAsync(Alice, chatId, sent.Id, "  hello  ", "edit-1");

        Assert.True(edit.Changed);
        Assert.Equal(("hello", (DateTimeOffset?)Time.GetUtcNow()), (edit.Message.Message.Text, edit.Message.Message.EditedAt));
        Assert.Equal(sent.Seq + 1, edit.Change!.Seq);
        var published = Assert.Single(Events.OfType<ChatChanged>(), e => e.Change.Kind == ChatChangeKind.MessageUpdated);
        Assert.Equal((sent.Id, "hello", "edit-1", edit.Change.Seq), (published.Change.MessageId, published.Change.Message!.Text, published.Change.ClientId, published.Change.Seq));
        Assert.Equal([Alice, Bob], published.AffectedUserIds.Order());

        // The same text again, or a retry of the last edit, changes nothing and takes no number.
        Assert.False((await MessageChanges.EditAsync(Alice, chatId, sent.Id, "hello")).Changed);
        var retried = await MessageChanges.EditAsync(Alice, chatId, sent.Id, "hello (retried)", "edit-1");
        Assert.False(retried.Changed);
        Assert.Equal("hello", retried.Message.Message.Text);
        Assert.Equal(edit.Change.Seq, (await Chats.GetChatAsync(Bob, chatId)).Seq);

        // A second edit: the first edit's replay shows the text as it is now.
        await MessageChanges.EditAsync(Alice, chatId, sent.Id, "hello, Bob", "edit-2");
        var page = await Changes.GetChangesAsync(Bob, chatId, sent.Seq - 1);
        Assert.Equal("hello, Bob", Assert.IsType<MessageCommitted>(page.Events[0]).Message.Text);
        Assert.All(page.Events.Skip(1), e => Assert.Equal(("hello, Bob", ChatChangeKind.MessageUpdated), (Change(e).Message!.Text, Change(e).Kind)));
        Assert.Equal("hello, Bob", (await Chats.GetChatAsync(Bob, chatId)).Messages.Single().Message.Text);
        Assert.Contains(Participated.All, e => e.Change?.Kind == ChatChangeKind.MessageUpdated && e.Seq == edit.Change.Seq);
    }

    [Fact]
    public async Task Edit_IsTheAuthorsAlone_WithinTheWindow_AndNotOfATombstone()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        var sent = await SendAsync(Alice, chatId, "mine");
        var elsewhere = await SendAsync(Carol, await PrivateChatAsync(Carol, "dave"), "theirs");

        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.NotAuthor, () => MessageChanges.EditAsync(Bob, chatId, sent.Id, "not yours"));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => MessageChanges.EditAsync(Carol, chatId, sent.Id, "no"));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.MessageNotFound, () => MessageChanges.EditAsync(Alice, chatId, elsewhere.Id, "no"));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.MessageNotFound, () => MessageChanges.EditAsync(Alice, chatId, 999_999, "no"));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.EmptyText, () => MessageChanges.EditAsync(Alice, chatId, sent.Id, "   "));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.TextTooLong,
            () => MessageChanges.EditAsync(Alice, chatId, sent.Id, new string('x', Options.MaxMessageLength + 1)));

        Options.Messages.EditWindow = TimeSpan.FromMinutes(15);
        Time.Advance(TimeSpan.FromMinutes(16));
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.EditWindowClosed, () => MessageChanges.EditAsync(Alice, chatId, sent.Id, "late"));
        Options.Messages.EditWindow = null;
        Options.Messages.AllowEdit = false;
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.EditingDisabled, () => MessageChanges.EditAsync(Alice, chatId, sent.Id, "off"));
        Options.Messages.AllowEdit = true;

        await MessageChanges.DeleteAsync(Alice, chatId, sent.Id);
        await AssertChatErrorAsync(ChatErrorKind.Conflict, ChatErrorCodes.MessageDeleted, () => MessageChanges.EditAsync(Alice, chatId, sent.Id, "back"));
        Assert.DoesNotContain(Events.OfType<ChatChanged>(), e => e.Change.Kind == ChatChangeKind.MessageUpdated);
    }

    [Fact]
    public async Task Delete_LeavesATombstone_ThatKeepsItsPlaceAndReadState()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        var first = await SendAsync(Alice, chatId, "first");
        var doomed = await SendAsync(Alice, chatId, "regrettable");
        await MessageChanges.ReactAsync(Bob, chatId, doomed.Id, "👍", on: true);
        await MessageChanges.PinAsync(Bob, chatId, doomed.Id, pinned: true);
        await Messaging.MarkReadAsync(Bob, chatId, doomed.Id);
        var last = await SendAsync(Alice, chatId, "last");

        Assert.True(await MessageChanges.DeleteAsync(Alice, chatId, doomed.Id));
        Assert.False(await MessageChanges.DeleteAsync(Alice, chatId, doomed.Id)); // Deleted already: nothing changes.

        var page = await Chats.GetChatPageAsync(Alice, chatId, new ChatPageQuery { MarkRead = false });
        Assert.Equal([first.Id, doomed.Id, last.Id], page.Messages.Select(m => m.Message.Id));
        var tombstone = page.Messages[1];
        Assert.Equal((true, "", (DateTimeOffset?)null), (tombstone.Message.IsDeleted, tombstone.Message.Text, tombstone.Message.PinnedAt));
        Assert.Empty(tombstone.Reactions);
        Assert.Equal(["bob"], tombstone.ReadBy.Select(r => r.UserName));
        Assert.Empty(await MessageChanges.GetPinnedAsync(Alice, chatId));
        Assert.Equal(1, (await Chats.GetChatsAsync(Bob, ChatKind.Private)).Single().Unread); // "last" only: the tombstone was read before.

        var deleted = Assert.Single(Events.OfType<ChatChanged>(), e => e.Change.Kind == ChatChangeKind.MessageDeleted);
        Assert.Equal((doomed.Id, (long?)Alice), (deleted.Change.MessageId, deleted.Change.ByUserId));
        Assert.DoesNotContain(Events.OfType<ChatChanged>(), e => e.Change.Kind == ChatChangeKind.PinChanged && e.Change.On == false);

        // Replayed from before it, the message itself shows as the tombstone it is now.
        var replay = await Changes.GetChangesAsync(Bob, chatId, doomed.Seq - 1);
        Assert.True(Assert.IsType<MessageCommitted>(replay.Events[0]).Message.IsDeleted);
        Assert.Equal(ChatChangeKind.MessageDeleted, Change(replay.Events[^1]).Kind);

        // A tombstone cannot be reacted to, pinned or quoted.
        await AssertChatErrorAsync(ChatErrorKind.Conflict, ChatErrorCodes.MessageDeleted, () => MessageChanges.ReactAsync(Bob, chatId, doomed.Id, "🎉", on: true));
        await AssertChatErrorAsync(ChatErrorKind.Conflict, ChatErrorCodes.MessageDeleted, () => MessageChanges.PinAsync(Bob, chatId, doomed.Id, pinned: true));
        await AssertChatErrorAsync(ChatErrorKind.Conflict, ChatErrorCodes.MessageDeleted, () => Messaging.SendAsync(Bob, chatId, "quoting", replyToId: doomed.Id));
    }

    [Fact]
    public async Task Delete_IsTheAuthors_OrAGroupAdmins_AsTheOptionsSay()
    {
        var privateId = await PrivateChatAsync(Alice, "bob");
        var alices = await SendAsync(Alice, privateId, "alice's");
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.NotAuthor, () => MessageChanges.DeleteAsync(Bob, privateId, alices.Id));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => MessageChanges.DeleteAsync(Carol, privateId, alices.Id));

        var group = (await GroupAsync(Alice, "Team", "bob", "carol")).Chat.Id;
        var bobs = await SendAsync(Bob, group, "bob's");
        var carols = await SendAsync(Carol, group, "carol's");
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.NotAuthor, () => MessageChanges.DeleteAsync(Carol, group, bobs.Id));
        Assert.True(await MessageChanges.DeleteAsync(Alice, group, bobs.Id)); // An admin deletes anyone's.
        Assert.Equal((long?)Alice, Events.OfType<ChatChanged>().Last().Change.ByUserId);

        // The window binds authors, not admins.
        Options.Messages.DeleteWindow = TimeSpan.FromMinutes(5);
        Time.Advance(TimeSpan.FromMinutes(6));
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.DeleteWindowClosed, () => MessageChanges.DeleteAsync(Carol, group, carols.Id));
        Assert.True(await MessageChanges.DeleteAsync(Alice, group, carols.Id));

        Options.Messages.AdminsMayDeleteAny = false;
        var late = await SendAsync(Bob, group, "late");
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.NotAuthor, () => MessageChanges.DeleteAsync(Alice, group, late.Id));
        Options.Messages.AllowDelete = false;
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.DeletingDisabled, () => MessageChanges.DeleteAsync(Bob, group, late.Id));
    }

    [Fact]
    public async Task Reactions_AreCountedPerEmoji_InOrderOfFirstUse_WithMeForTheViewer()
    {
        var group = (await GroupAsync(Alice, "Team", "bob", "carol")).Chat.Id;
        var message = await SendAsync(Alice, group, "ship it?");

        var first = await MessageChanges.ReactAsync(Bob, group, message.Id, "🎉", on: true);
        await MessageChanges.ReactAsync(Carol, group, message.Id, "👍", on: true);
        var second = await MessageChanges.ReactAsync(Alice, group, message.Id, "🎉", on: true);
        var again = await MessageChanges.ReactAsync(Alice, group, message.Id, "🎉", on: true);

        Assert.Equal(("🎉", 1, true), (first.Emoji, first.Count, first.Changed));
        Assert.Equal((2, true), (second.Count, second.Changed));
        Assert.Equal((2, false), (again.Count, again.Changed)); // Once per user and emoji: nothing changes.
        var asCarol = (await Chats.GetChatAsync(Carol, group)).Messages.Single().Reactions;
        Assert.Equal([("🎉", 2, false), ("👍", 1, true)], asCarol.Select(r => (r.Emoji, r.Count, r.Me)));

        var reaction = Events.OfType<ChatChanged>().Last(e => e.Change.Kind == ChatChangeKind.ReactionChanged).Change;
        Assert.Equal(("🎉", true, 2, "alice"), (reaction.Emoji, reaction.On, reaction.Count, reaction.Members.Single().UserName));

        var removed = await MessageChanges.ReactAsync(Bob, group, message.Id, "🎉", on: false);
        Assert.Equal((1, true), (removed.Count, removed.Changed));
        Assert.False((await MessageChanges.ReactAsync(Bob, group, message.Id, "🎉", on: false)).Changed);

        // Replayed, a reaction says the emoji's count now.
        var replay = await Changes.GetChangesAsync(Carol, group, message.Seq);
        Assert.All(replay.Events.Select(Change).Where(c => c.Emoji == "🎉"), c => Assert.Equal(1, c.Count));

        // Who reacted, in user id order, in pages.
        await MessageChanges.ReactAsync(Bob, group, message.Id, "👍", on: true);
        await MessageChanges.ReactAsync(Alice, group, message.Id, "👍", on: true);
        var firstPage = await MessageChanges.GetReactorsAsync(Carol, group, message.Id, "👍", limit: 2);
        var lastPage = await MessageChanges.GetReactorsAsync(Carol, group, message.Id, "👍", afterUserId: firstPage.Users[^1].User.Id, limit: 2);
        Assert.Equal(["alice", "bob"], firstPage.Users.Select(u => u.User.UserName));
        Assert.True(firstPage.HasMore);
        Assert.Equal(["carol"], lastPage.Users.Select(u => u.User.UserName));
        Assert.False(lastPage.HasMore);
    }

    [Theory]
    [InlineData("👍🏽")]
    [InlineData("👩‍👩‍👧")]
    [InlineData("❤️")]
    [InlineData("1️⃣")]
    [InlineData(":party_parrot:")]
    [InlineData(":+1:")]
    public async Task Reactions_TakeOneGraphemeOrAName(string emoji)
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        var message = await SendAsync(Alice, chatId, "react");
        Assert.Equal(emoji, (await MessageChanges.ReactAsync(Bob, chatId, message.Id, emoji, on: true)).Emoji);
        Assert.Equal(emoji, (await Chats.GetChatAsync(Bob, chatId)).Messages.Single().Reactions.Single().Emoji);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("👍👍")]
    [InlineData("two words")]
    [InlineData(" 👍")]
    [InlineData(":Upper:")]
    [InlineData("::")]
    [InlineData(":a_name_that_is_far_longer_than_32:")]
    [InlineData("\u200B")]
    [InlineData("\u0007")]
    public async Task Reactions_RefuseWhatIsNotOneEmoji(string emoji)
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        var message = await SendAsync(Alice, chatId, "react");
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidEmoji, () => MessageChanges.ReactAsync(Bob, chatId, message.Id, emoji, on: true));
    }

    [Fact]
    public async Task Reactions_AreLimitedPerUser_AndPerMessage_AndByTheAllowList()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        var message = await SendAsync(Alice, chatId, "react");
        foreach (var emoji in new[] { "😀", "😃", "😄" })
        {
            await MessageChanges.ReactAsync(Bob, chatId, message.Id, emoji, on: true);
        }

        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.TooManyReactions, () => MessageChanges.ReactAsync(Bob, chatId, message.Id, "😁", on: true));
        Options.Reactions.MaxDistinct = 4;
        await MessageChanges.ReactAsync(Alice, chatId, message.Id, "😆", on: true);
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.TooManyReactions, () => MessageChanges.ReactAsync(Alice, chatId, message.Id, "😅", on: true));
        await MessageChanges.ReactAsync(Alice, chatId, message.Id, "😀", on: true); // One already there: still fine.

        Options.Reactions.Allowed.Add("👍");
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidEmoji, () => MessageChanges.ReactAsync(Alice, chatId, message.Id, "😃", on: true));
    }

    [Fact]
    public async Task RacingReactionsOfOneUser_StopAtTheLimit()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        var message = await SendAsync(Alice, chatId, "react");
        var emoji = new[] { "😀", "😃", "😄", "😁", "😆", "😅", "🤣", "😂" };

        var outcomes = await Task.WhenAll(emoji.Select(e => InScopeAsync(async services =>
        {
            try
            {
                return (await services.GetRequiredService<MessageChangeService>().ReactAsync(Bob, chatId, message.Id, e, on: true)).Changed;
            }
            catch (ChatException error) when (error.Code == ChatErrorCodes.TooManyReactions)
            {
                return false;
            }
        })));

        Assert.Equal(Options.Reactions.MaxPerUser, outcomes.Count(changed => changed));
        Assert.Equal(Options.Reactions.MaxPerUser, (await Chats.GetChatAsync(Alice, chatId)).Messages.Single().Reactions.Count);
        var seqs = Events.OfType<ChatChanged>().Where(e => e.Change.Kind == ChatChangeKind.ReactionChanged).Select(e => e.Change.Seq).Order().ToArray();
        Assert.Equal(Enumerable.Range((int)message.Seq + 1, Options.Reactions.MaxPerUser).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task Replies_QuoteAMessageOfTheChat_AsItIsNow()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        Options.Messages.ReplyPreviewLength = 10;
        var original = await SendAsync(Alice, chatId, "the original message, quite long");
        Time.Advance(TimeSpan.FromSeconds(1));
        var reply = (await Messaging.SendAsync(Bob, chatId, "agreed", replyToId: original.Id)).Message;

        Assert.Equal(original.Id, reply.ReplyToId);
        var published = Events.OfType<MessageCommitted>().Last();
        Assert.Equal((original.Id, "alice", "the origin", false), (published.ReplyPreview!.Id, published.ReplyPreview.SenderUserName, published.ReplyPreview.Text, published.ReplyPreview.Deleted));

        await MessageChanges.EditAsync(Alice, chatId, original.Id, "edited");
        Assert.Equal("edited", (await MessageChanges.GetMessageAsync(Bob, chatId, reply.Id)).ReplyPreview!.Text);
        await MessageChanges.DeleteAsync(Alice, chatId, original.Id);
        var quote = (await Chats.GetChatAsync(Bob, chatId)).Messages.Single(m => m.Message.Id == reply.Id).ReplyPreview!;
        Assert.Equal(("", true), (quote.Text, quote.Deleted));
        Assert.True((await Changes.GetChangesAsync(Alice, chatId, reply.Seq - 1)).Events.OfType<MessageCommitted>().Single().ReplyPreview!.Deleted);

        var elsewhere = await SendAsync(Carol, await PrivateChatAsync(Carol, "alice"), "another chat");
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.MessageNotFound, () => Messaging.SendAsync(Bob, chatId, "no", replyToId: elsewhere.Id));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.MessageNotFound, () => Messaging.SendAsync(Bob, chatId, "no", replyToId: 999_999));
    }

    [Fact]
    public async Task Pins_AreAdmins_InAGroup_EitherMembers_InAPrivateChat_NewestFirst()
    {
        var privateId = await PrivateChatAsync(Alice, "bob");
        var hello = await SendAsync(Alice, privateId, "hello");
        Assert.True(await MessageChanges.PinAsync(Bob, privateId, hello.Id, pinned: true));
        Assert.False(await MessageChanges.PinAsync(Alice, privateId, hello.Id, pinned: true)); // Pinned already.
        var pinned = Assert.Single(await MessageChanges.GetPinnedAsync(Alice, privateId));
        Assert.Equal(((long?)Bob, (DateTimeOffset?)Time.GetUtcNow()), (pinned.Message.PinnedByUserId, pinned.Message.PinnedAt));

        var group = (await GroupAsync(Alice, "Team", "bob")).Chat.Id;
        var rules = await SendAsync(Bob, group, "rules");
        var agenda = await SendAsync(Bob, group, "agenda");
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.NotAdmin, () => MessageChanges.PinAsync(Bob, group, rules.Id, pinned: true));
        await MessageChanges.PinAsync(Alice, group, rules.Id, pinned: true);
        Time.Advance(TimeSpan.FromSeconds(1));
        await MessageChanges.PinAsync(Alice, group, agenda.Id, pinned: true);
        Assert.Equal([agenda.Id, rules.Id], (await MessageChanges.GetPinnedAsync(Bob, group)).Select(m => m.Message.Id));
        Assert.True((await Chats.GetChatAsync(Bob, group)).Messages.All(m => m.Message.PinnedAt is not null));

        Options.Pins.MaxPerChat = 2;
        var third = await SendAsync(Alice, group, "third");
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.TooManyPins, () => MessageChanges.PinAsync(Alice, group, third.Id, pinned: true));
        Assert.True(await MessageChanges.PinAsync(Alice, group, rules.Id, pinned: false));
        Assert.False(await MessageChanges.PinAsync(Alice, group, rules.Id, pinned: false));
        Options.Pins.MembersMayPinInGroups = true;
        Assert.True(await MessageChanges.PinAsync(Bob, group, third.Id, pinned: true));

        var pins = Events.OfType<ChatChanged>().Where(e => e.Change.Kind == ChatChangeKind.PinChanged && e.Change.ChatId == group).Select(e => (e.Change.MessageId, e.Change.On)).ToArray();
        Assert.Equal([((long?)rules.Id, (bool?)true), (agenda.Id, true), (rules.Id, false), (third.Id, true)], pins);
        var replay = await Changes.GetChangesAsync(Bob, group, agenda.Seq);
        Assert.Equal(4, replay.Events.Count(e => e is ChatChanged { Change.Kind: ChatChangeKind.PinChanged }));
    }
}
