using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ChatEngine.Specification.Tests;

public abstract partial class ChatEngineSpecificationTests
{
    protected ChatChanges Changes => Services.GetRequiredService<ChatChanges>();

    [Fact]
    public async Task EveryChangeOfAGroup_TakesTheNextNumber_AndReplaysInOrder()
    {
        var group = await GroupAsync(Alice, "Team", "bob", "carol");
        var id = group.Chat.Id;
        Assert.Equal(1, group.Seq);
        await SendAsync(Bob, id, "first");
        await SendAsync(Carol, id, "second");
        await Groups.AddMembersAsync(Alice, id, ["dave", "eve"]);
        await Groups.PromoteAsync(Alice, id, "dave");
        await Groups.RenameAsync(Alice, id, "Renamed");
        await Groups.RenameAsync(Alice, id, "Renamed"); // The same name: no change, no number.
        await Groups.RemoveMemberAsync(Alice, id, "carol");
        await Groups.LeaveAsync(Bob, id);

        var page = await Changes.GetChangesAsync(Alice, id, 0);

        Assert.False(page.Limited);
        Assert.False(page.HasMore);
        Assert.Equal(8, page.Seq);
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), page.Events.Select(SeqOf));
        var created = Change(page.Events[0]);
        Assert.Equal((ChatChangeKind.MemberAdded, (long?)Alice), (created.Kind, created.ByUserId));
        Assert.Equal([("alice", ChatRole.Owner), ("bob", ChatRole.Member), ("carol", ChatRole.Member)], created.Members.Select(m => (m.UserName, m.Role)).Order());
        Assert.Equal(["first", "second"], page.Events.OfType<MessageCommitted>().Select(m => m.Message.Text));
        Assert.Equal(["dave", "eve"], Change(page.Events[3]).Members.Select(m => m.UserName).Order());
        Assert.Equal((ChatChangeKind.RoleChanged, "dave", ChatRole.Admin), (Change(page.Events[4]).Kind, Change(page.Events[4]).Members[0].UserName, Change(page.Events[4]).Members[0].Role));
        Assert.Equal((ChatChangeKind.ChatUpdated, "Renamed"), (Change(page.Events[5]).Kind, Change(page.Events[5]).Name));
        Assert.Equal((ChatChangeKind.MemberRemoved, MemberRemovalReason.Removed, (long?)Alice, "carol"), Removal(page.Events[6]));
        Assert.Equal((ChatChangeKind.MemberRemoved, MemberRemovalReason.Left, (long?)Bob, "bob"), Removal(page.Events[7]));

        // What was published live carries the same numbers as what is replayed.
        Assert.Equal([1L, 4, 5, 6, 7, 8], Events.OfType<ChatChanged>().Where(e => e.Change.ChatId == id).Select(e => e.Change.Seq));
        Assert.Equal([2L, 3], Events.OfType<MessageCommitted>().Where(e => e.Message.ChatId == id).Select(e => e.Message.Seq));
        Assert.Equal(8, (await Chats.GetChatAsync(Alice, id)).Seq);
        Assert.Equal(8, (await Chats.GetChatsAsync(Alice, ChatKind.Group)).Single().Seq);
    }

    [Fact]
    public async Task Replay_FollowsOnFromAnyNumber_InPages()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        for (var i = 1; i <= 7; i++)
        {
            await SendAsync(i % 2 == 0 ? Alice : Bob, chatId, $"m{i}");
        }

        var first = await Changes.GetChangesAsync(Bob, chatId, 2, limit: 3);
        var second = await Changes.GetChangesAsync(Bob, chatId, first.Seq, limit: 3);
        var last = await Changes.GetChangesAsync(Bob, chatId, second.Seq, limit: 3);
        var caughtUp = await Changes.GetChangesAsync(Bob, chatId, last.Seq);

        Assert.Equal([3L, 4, 5], first.Events.Select(SeqOf));
        Assert.True(first.HasMore);
        Assert.Equal([6L, 7, 8], second.Events.Select(SeqOf));
        Assert.False(second.HasMore);
        Assert.Empty(last.Events);
        Assert.Equal((false, 8L), (last.HasMore, last.Seq));
        Assert.Empty(caughtUp.Events);
        Assert.Equal((false, false, 8L), (caughtUp.HasMore, caughtUp.Limited, caughtUp.Seq));
    }

    [Fact]
    public async Task APrivateChatsCreation_IsItsChangeOne_ByNobody()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");

        var created = Change((await Changes.GetChangesAsync(Bob, chatId, 0)).Events.Single());

        Assert.Equal((1L, ChatChangeKind.MemberAdded, (long?)null), (created.Seq, created.Kind, created.ByUserId));
        Assert.Equal(["alice", "bob"], created.Members.Select(m => m.UserName).Order());
    }

    [Fact]
    public async Task Replay_IsLimited_WhenTooMuchChanged_TooLongAgo_OrTheNumberIsAhead()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        for (var i = 0; i < MaxReplay + 1; i++)
        {
            await SendAsync(Alice, chatId, $"m{i}");
        }

        var tooMuch = await Changes.GetChangesAsync(Bob, chatId, 0);
        var justEnough = await Changes.GetChangesAsync(Bob, chatId, 2, limit: 5);
        var ahead = await Changes.GetChangesAsync(Bob, chatId, MaxReplay + 10);
        Time.Advance(TimeSpan.FromDays(31));
        var tooOld = await Changes.GetChangesAsync(Bob, chatId, 2);

        Assert.Equal((true, MaxReplay + 2L, 0), (tooMuch.Limited, tooMuch.Seq, tooMuch.Events.Count));
        Assert.False(justEnough.Limited);
        Assert.Equal((true, MaxReplay + 2L), (ahead.Limited, ahead.Seq));
        Assert.True(tooOld.Limited);
    }

    [Fact]
    public async Task Changes_AreForMembersOnly_AndCheckTheirInput()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");

        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Changes.GetChangesAsync(Carol, chatId, 0));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidPaging, () => Changes.GetChangesAsync(Alice, chatId, -1));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidPaging, () => Changes.GetChangesAsync(Alice, chatId, 0, limit: ChatChanges.MaxPageSize + 1));
    }

    [Fact]
    public async Task DeletingAGroup_IsItsLastChange_AndLeavesNoLog()
    {
        var group = await GroupAsync(Alice, "Team", "bob");
        await SendAsync(Bob, group.Chat.Id, "hi");

        await Groups.DeleteAsync(Alice, group.Chat.Id);

        var deleted = Events.OfType<ChatChanged>().Last().Change;
        Assert.Equal((ChatChangeKind.ChatDeleted, 3L, (long?)Alice), (deleted.Kind, deleted.Seq, deleted.ByUserId));
        Assert.Empty((await Changes.ReadForDeliveryAsync(group.Chat.Id, 0, 100)).Events);
    }

    [Fact]
    public async Task RacingSendsAndMembershipChanges_NumberEveryChangeOnce_WithNoGap()
    {
        var group = await GroupAsync(Alice, "Team", "bob");
        var id = group.Chat.Id;
        var sends = Enumerable.Range(0, 20).Select(i => InScopeAsync(sp => sp.GetRequiredService<MessagingService>().SendAsync(i % 2 == 0 ? Alice : Bob, id, $"m{i}")));
        var joins = new[] { "carol", "dave", "eve" }.Select(name => InScopeAsync(sp => sp.GetRequiredService<GroupService>().AddMembersAsync(Alice, id, [name])));
        await Task.WhenAll([.. sends, .. joins]);

        var page = await Changes.GetChangesAsync(Alice, id, 0);

        Assert.Equal(Enumerable.Range(1, 24).Select(i => (long)i), page.Events.Select(SeqOf));
        Assert.Equal(20, page.Events.OfType<MessageCommitted>().Count());
        Assert.Equal(24, page.Seq);
    }

    [Fact]
    public async Task ReadState_AfterAReplay_IsEachMembersPosition_ThatMovedSinceTheReplaysStart()
    {
        var group = await GroupAsync(Alice, "Team", "bob", "carol");
        var id = group.Chat.Id;
        await SendAsync(Alice, id, "one");
        var two = await SendAsync(Alice, id, "two");
        await Messaging.MarkReadAsync(Bob, id, two.Id);
        Time.Advance(TimeSpan.FromMinutes(5));
        var three = await SendAsync(Alice, id, "three");
        Time.Advance(TimeSpan.FromMinutes(5));
        await Messaging.MarkReadAsync(Carol, id, three.Id);

        var sinceStart = await Changes.GetReadsSinceAsync(Alice, id, 0);
        var sinceThree = await Changes.GetReadsSinceAsync(Alice, id, three.Seq);

        Assert.Equal([(Bob, two.Id), (Carol, three.Id)], sinceStart.Select(r => (r.Reader.Id, r.UpToMessageId)).Order());
        var carol = Assert.Single(sinceThree); // Bob read before change 4 and has not moved since.
        Assert.Equal(("carol", three.Id, three.Sequence), (carol.Reader.UserName, carol.UpToMessageId, carol.UpToSequence));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Changes.GetReadsSinceAsync(Dave, id, 0));
    }

    [Fact]
    public async Task ChangeParticipants_AreHandedEveryChange_Numbered()
    {
        var group = await GroupAsync(Alice, "Team", "bob");
        var id = group.Chat.Id;
        await SendAsync(Bob, id, "hello");
        await Groups.AddMembersAsync(Alice, id, ["carol"]);
        await Groups.DeleteAsync(Alice, id);

        var handed = Participated.All.Where(e => (e.Message?.ChatId ?? e.Change!.ChatId) == id).ToList();

        Assert.Equal([1L, 2, 3, 4], handed.Select(e => e.Seq));
        Assert.Equal("hello", handed[1].Message!.Text);
        Assert.Equal([ChatChangeKind.MemberAdded, ChatChangeKind.MemberAdded, ChatChangeKind.ChatDeleted], handed.Where(e => e.Change is not null).Select(e => e.Change!.Kind));
    }

    [Fact]
    public async Task Pages_AroundAMessage_OrWithoutMarkingRead_LeaveTheReadPositionAlone()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        var sent = new List<ChatMessage>();
        for (var i = 1; i <= 9; i++)
        {
            sent.Add(await SendAsync(Alice, chatId, $"m{i}"));
        }

        var background = await Chats.GetChatPageAsync(Bob, chatId, new ChatPageQuery { MarkRead = false });
        var around = await Chats.GetChatPageAsync(Bob, chatId, new ChatPageQuery { Around = sent[4].Id, Limit = 4 });
        var atTheEnd = await Chats.GetChatPageAsync(Bob, chatId, new ChatPageQuery { Around = sent[8].Id, Limit = 4 });

        Assert.Equal(9, background.Messages.Count);
        Assert.Null(background.HasNewer);
        Assert.Equal(["m3", "m4", "m5", "m6"], around.Messages.Select(m => m.Message.Text));
        Assert.Equal((true, (bool?)true), (around.HasMore, around.HasNewer));
        Assert.Equal(["m7", "m8", "m9"], atTheEnd.Messages.Select(m => m.Message.Text));
        Assert.False(atTheEnd.HasNewer);
        Assert.Equal(9, (await Chats.GetChatsAsync(Bob, ChatKind.Private)).Single().Unread); // None of these marked it read.
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidPaging,
            () => Chats.GetChatPageAsync(Bob, chatId, new ChatPageQuery { Around = sent[0].Id, Before = sent[1].Id }));
        var elsewhere = await SendAsync(Carol, await PrivateChatAsync(Carol, "dave"), "not yours");
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.MessageNotFound,
            () => Chats.GetChatPageAsync(Bob, chatId, new ChatPageQuery { Around = elsewhere.Id }));
    }

    private static long SeqOf(ChatEvent e) => e switch
    {
        MessageCommitted m => m.Message.Seq,
        ChatChanged c => c.Change.Seq,
        _ => throw new InvalidOperationException($"{e} is not a numbered change."),
    };

    private static ChatChange Change(ChatEvent e) => Assert.IsType<ChatChanged>(e).Change;

    private static (ChatChangeKind, MemberRemovalReason?, long?, string) Removal(ChatEvent e)
    {
        var change = Change(e);
        return (change.Kind, change.Reason, change.ByUserId, change.Members.Single().UserName);
    }
}
