using Xunit;

namespace ChatEngine.Specification.Tests;

public abstract partial class ChatEngineSpecificationTests
{
    [Fact]
    public async Task StartPrivateChat_CreatesChatWithBothMembers()
    {
        var (chat, created) = await Chats.StartPrivateChatAsync(Alice, "bob");

        Assert.True(created);
        Assert.Equal("bob", chat.Title);
        Assert.Equal(0, chat.Unread);
        Assert.Null(chat.LastMessage);
        Assert.Equal(ChatRole.Member, (await Chats.GetMembershipAsync(Alice, chat.ChatId)).Role);
        Assert.Equal(ChatRole.Member, (await Chats.GetMembershipAsync(Bob, chat.ChatId)).Role);
    }

    [Fact]
    public async Task StartPrivateChat_WhenItExists_ReturnsTheSameChatFromEitherSide()
    {
        var first = await Chats.StartPrivateChatAsync(Alice, "bob");
        var again = await Chats.StartPrivateChatAsync(Alice, "BOB");
        var reverse = await Chats.StartPrivateChatAsync(Bob, "alice");

        Assert.False(again.Created);
        Assert.False(reverse.Created);
        Assert.Equal(first.Chat.ChatId, again.Chat.ChatId);
        Assert.Equal(first.Chat.ChatId, reverse.Chat.ChatId);
        Assert.Equal("alice", reverse.Chat.Title);
    }

    [Fact]
    public async Task StartPrivateChat_WithOneself_IsRefused() =>
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.SelfChat, () => Chats.StartPrivateChatAsync(Alice, "alice"));

    [Fact]
    public async Task StartPrivateChat_WithUnknownUser_IsNotFound() =>
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.UserNotFound, () => Chats.StartPrivateChatAsync(Alice, "nobody"));

    [Fact]
    public async Task StartPrivateChat_ByACallerTheDirectoryDoesNotKnow_MakesNoChat()
    {
        // An account deleted while its access token still lives.
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.UserNotFound, () => Chats.StartPrivateChatAsync(987_654_321, "bob"));

        Assert.Empty(await Chats.GetChatsAsync(Bob, ChatKind.Private));
    }

    [Fact]
    public async Task StartPrivateChat_WhenRacing_CreatesExactlyOneChat()
    {
        var attempts = Enumerable.Range(0, 16).Select(i => InScopeAsync(sp =>
            sp.GetService<ChatService>()!.StartPrivateChatAsync(i % 2 == 0 ? Alice : Bob, i % 2 == 0 ? "bob" : "alice")));

        var results = await Task.WhenAll(attempts);

        Assert.Single(results.Select(r => r.Chat.ChatId).Distinct());
        Assert.Single(results, r => r.Created);
        Assert.Single(await Chats.GetChatsAsync(Alice, ChatKind.Private));
    }

    [Fact]
    public async Task GetChats_ListsNewestActivityFirst_WithLastMessageAndUnread()
    {
        var withBob = await PrivateChatAsync(Alice, "bob");
        var withCarol = await PrivateChatAsync(Alice, "carol");
        await SendAsync(Bob, withBob, "first from bob");
        await SendAsync(Carol, withCarol, "hi from carol");
        await SendAsync(Bob, withBob, "second from bob");

        var list = await Chats.GetChatsAsync(Alice, ChatKind.Private);

        Assert.Equal([withBob, withCarol], list.Select(c => c.ChatId));
        Assert.Equal("second from bob", list[0].LastMessage);
        Assert.Equal(2, list[0].Unread);
        Assert.Equal(1, list[1].Unread);
        Assert.Equal(Time.GetUtcNow(), list[0].Time);
        Assert.Empty(await Chats.GetChatsAsync(Alice, ChatKind.Group));
    }

    [Fact]
    public async Task GetChat_ForNonMember_IsNotFound()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Chats.GetChatAsync(Carol, chatId));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Chats.GetChatAsync(Alice, 987654));
    }

    [Fact]
    public async Task GetChat_ShowsTheOtherUsersPresence()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        await Presence.ConnectedAsync(Bob);

        var online = await Chats.GetChatAsync(Alice, chatId);
        Assert.Equal("bob", online.Title);
        Assert.True(online.IsOnline);

        Time.Advance(TimeSpan.FromMinutes(5));
        await Presence.DisconnectedAsync(Bob);
        var offline = await Chats.GetChatAsync(Alice, chatId);
        Assert.False(offline.IsOnline);
        Assert.Equal(Time.GetUtcNow(), offline.LastSeen);
    }
}
