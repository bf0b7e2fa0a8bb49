using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ChatEngine.Specification.Tests;

public abstract partial class ChatEngineSpecificationTests
{
    [Fact]
    public async Task CreateGroup_MakesTheCreatorOwner_AndAddsTheMembers()
    {
        var group = await GroupAsync(Alice, "  Project Team ", "bob", "carol", "alice", "BOB");

        Assert.Equal("Project Team", group.Chat.Name);
        Assert.Equal(ChatKind.Group, group.Chat.Kind);
        Assert.Equal(["alice", "bob", "carol"], group.Members.Select(m => m.User.UserName).Order());
        Assert.Equal(ChatRole.Owner, group.Members.Single(m => m.User.Id == Alice).Role);
        Assert.True(group.Viewer.IsAdmin);
        Assert.NotNull(group.JoinCode);
        Assert.Single(await Chats.GetChatsAsync(Bob, ChatKind.Group));
    }

    [Fact]
    public async Task CreateGroup_WithUnknownUsers_ListsThem()
    {
        var error = await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.UnknownUsers,
            () => Groups.CreateGroupAsync(Alice, "Team", ["bob", "ghost", "phantom"]));

        Assert.Equal(["ghost", "phantom"], error.Items);
        Assert.Empty(await Chats.GetChatsAsync(Alice, ChatKind.Group));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task CreateGroup_WithoutName_IsRefused(string? name) =>
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidGroupName, () => Groups.CreateGroupAsync(Alice, name, ["bob"]));

    [Fact]
    public async Task CreateGroup_WithTooLongName_IsRefused() =>
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidGroupName, () => Groups.CreateGroupAsync(Alice, new string('g', 101), []));

    [Fact]
    public async Task JoinCodes_AreLongUrlSafeAndUnique()
    {
        var codes = new HashSet<string>();
        for (var i = 0; i < 20; i++)
        {
            var code = (await GroupAsync(Alice, $"g{i}")).JoinCode!;
            Assert.Equal(16, code.Length);
            Assert.Matches("^[A-Za-z0-9_-]+$", code);
            Assert.True(codes.Add(code));
        }
    }

    [Fact]
    public async Task Join_WithCode_AddsMember_AndJoiningTwiceIsHarmless()
    {
        var group = await GroupAsync(Alice, "Team", "bob");
        await SendAsync(Bob, group.Chat.Id, "before dave joined");

        var (joined, isNew) = await Groups.JoinAsync(Dave, group.JoinCode);
        var (again, isNewAgain) = await Groups.JoinAsync(Dave, group.JoinCode);

        Assert.Equal(group.Chat.Id, joined.Id);
        Assert.True(isNew);
        Assert.Equal(group.Chat.Id, again.Id);
        Assert.False(isNewAgain);
        Assert.Equal(3, (await Groups.GetGroupAsync(Dave, group.Chat.Id)).Members.Count);
        Assert.Equal(0, Assert.Single(await Chats.GetChatsAsync(Dave, ChatKind.Group)).Unread);
        Assert.Contains(Events.OfType<ChatMembershipChanged>(), e => e.Change == MembershipChange.Added && e.UserId == Dave);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task Join_WithoutCode_IsRefused(string? code) =>
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.JoinCodeRequired, () => Groups.JoinAsync(Dave, code));

    [Fact]
    public async Task Join_WithUnknownCode_IsNotFound() =>
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.GroupNotFound, () => Groups.JoinAsync(Dave, "not-a-real-code"));

    [Fact]
    public async Task Join_WithRevokedOrReplacedCode_IsNotFound()
    {
        var group = await GroupAsync(Alice, "Team");
        var fresh = await Groups.RegenerateJoinCodeAsync(Alice, group.Chat.Id);
        Assert.NotEqual(group.JoinCode, fresh);
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.GroupNotFound, () => Groups.JoinAsync(Dave, group.JoinCode));

        await Groups.RevokeJoinCodeAsync(Alice, group.Chat.Id);
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.GroupNotFound, () => Groups.JoinAsync(Dave, fresh));
        Assert.Null((await Groups.GetGroupAsync(Alice, group.Chat.Id)).JoinCode);

        var restored = await Groups.RegenerateJoinCodeAsync(Alice, group.Chat.Id);
        Assert.True((await Groups.JoinAsync(Dave, restored)).Joined);
    }

    [Fact]
    public async Task RemovedMember_CannotRejoinByCode_UntilAnAdminAddsThemAgain()
    {
        var group = await GroupAsync(Alice, "Team", "bob", "dave");
        await Groups.RemoveMemberAsync(Alice, group.Chat.Id, "dave");

        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.Removed, () => Groups.JoinAsync(Dave, group.JoinCode));
        var fresh = await Groups.RegenerateJoinCodeAsync(Alice, group.Chat.Id);
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.Removed, () => Groups.JoinAsync(Dave, fresh));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Chats.GetChatAsync(Dave, group.Chat.Id));

        await Groups.AddMembersAsync(Alice, group.Chat.Id, ["dave"]);
        await Groups.LeaveAsync(Dave, group.Chat.Id);

        // Added back by an admin, then left of their own accord: the code works again.
        Assert.True((await Groups.JoinAsync(Dave, fresh)).Joined);
    }

    [Fact]
    public async Task MemberWhoLeft_MayRejoinByCode()
    {
        var group = await GroupAsync(Alice, "Team", "bob", "dave");
        await Groups.LeaveAsync(Dave, group.Chat.Id);

        Assert.True((await Groups.JoinAsync(Dave, group.JoinCode)).Joined);
    }

    [Fact]
    public async Task Delete_ByACoAdmin_IsRefused_OnlyTheOwnerDeletes()
    {
        var group = await GroupAsync(Alice, "Team", "bob", "carol");
        await Groups.PromoteAsync(Alice, group.Chat.Id, "bob");

        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.NotOwner, () => Groups.DeleteAsync(Bob, group.Chat.Id));
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.NotAdmin, () => Groups.DeleteAsync(Carol, group.Chat.Id));
        Assert.NotNull(await Groups.GetGroupAsync(Bob, group.Chat.Id));

        await Groups.DeleteAsync(Alice, group.Chat.Id);
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Groups.GetGroupAsync(Bob, group.Chat.Id));
    }

    [Fact]
    public async Task RacingJoins_NeverPassTheMemberCap()
    {
        var group = await GroupAsync(Alice, "Team", "bob");
        var joiners = Enumerable.Range(1, 25).Select(i => 100L + i).ToArray();

        var outcomes = await Task.WhenAll(joiners.Select(userId => InScopeAsync(async services =>
        {
            try
            {
                return (await services.GetRequiredService<GroupService>().JoinAsync(userId, group.JoinCode)).Joined ? "joined" : "already";
            }
            catch (ChatException error)
            {
                return error.Code;
            }
        })));

        Assert.Equal(MaxGroupMembers - 2, outcomes.Count(o => o == "joined"));
        Assert.All(outcomes.Where(o => o != "joined"), o => Assert.Equal(ChatErrorCodes.TooManyMembers, o));
        Assert.Equal(MaxGroupMembers, (await Groups.GetGroupAsync(Alice, group.Chat.Id)).Members.Count);
    }

    [Fact]
    public async Task RacingLeaves_OfTheOwnerAndTheOtherAdmin_LeaveTheGroupWithAnOwner()
    {
        var group = await GroupAsync(Alice, "Team", "bob", "carol", "dave");
        await Groups.PromoteAsync(Alice, group.Chat.Id, "bob");

        await Task.WhenAll(new[] { Alice, Bob }.Select(userId => InScopeAsync(async services =>
        {
            await services.GetRequiredService<GroupService>().LeaveAsync(userId, group.Chat.Id);
            return true;
        })));

        var left = await Groups.GetGroupAsync(Carol, group.Chat.Id);
        Assert.Equal(["carol", "dave"], left.Members.Select(m => m.User.UserName).Order());
        Assert.Single(left.Members, m => m.Role == ChatRole.Owner);
    }

    [Fact]
    public async Task RacingLeaves_OfTheLastMembers_DeleteTheGroup()
    {
        var group = await GroupAsync(Alice, "Pair", "bob");

        await Task.WhenAll(new[] { Alice, Bob }.Select(userId => InScopeAsync(async services =>
        {
            await services.GetRequiredService<GroupService>().LeaveAsync(userId, group.Chat.Id);
            return true;
        })));

        Assert.Null(await Services.GetRequiredService<IChatStore>().FindByIdAsync(group.Chat.Id, CancellationToken.None));
    }

    [Fact]
    public async Task JoinCode_IsShownToAdminsOnly()
    {
        var group = await GroupAsync(Alice, "Team", "bob");
        Assert.Null((await Groups.GetGroupAsync(Bob, group.Chat.Id)).JoinCode);
        Assert.Null((await Chats.GetChatAsync(Bob, group.Chat.Id)).JoinCode);
        Assert.Equal(group.JoinCode, (await Chats.GetChatAsync(Alice, group.Chat.Id)).JoinCode);
    }

    [Fact]
    public async Task AdminControls_ByPlainMember_AreForbidden()
    {
        var id = (await GroupAsync(Alice, "Team", "bob", "carol")).Chat.Id;

        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.NotAdmin, () => Groups.AddMembersAsync(Bob, id, ["dave"]));
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.NotAdmin, () => Groups.RemoveMemberAsync(Bob, id, "carol"));
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.NotAdmin, () => Groups.PromoteAsync(Bob, id, "bob"));
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.NotAdmin, () => Groups.DemoteAsync(Bob, id, "alice"));
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.NotAdmin, () => Groups.RenameAsync(Bob, id, "Mine"));
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.NotAdmin, () => Groups.RegenerateJoinCodeAsync(Bob, id));
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.NotAdmin, () => Groups.RevokeJoinCodeAsync(Bob, id));
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.NotAdmin, () => Groups.DeleteAsync(Bob, id));
        Assert.Equal(3, (await Groups.GetGroupAsync(Alice, id)).Members.Count);
    }

    [Fact]
    public async Task AdminControls_ByNonMember_AreNotFound()
    {
        var id = (await GroupAsync(Alice, "Team", "bob")).Chat.Id;

        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Groups.AddMembersAsync(Eve, id, ["eve"]));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Groups.RenameAsync(Eve, id, "Mine"));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Groups.DeleteAsync(Eve, id));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Groups.GetGroupAsync(Eve, id));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Groups.LeaveAsync(Eve, id));
    }

    [Fact]
    public async Task GroupControls_OnPrivateChat_AreRefused()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.NotAGroup, () => Groups.RenameAsync(Alice, chatId, "x"));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.NotAGroup, () => Groups.LeaveAsync(Alice, chatId));
    }

    [Fact]
    public async Task Admin_AddsRemovesPromotesAndDemotes()
    {
        var id = (await GroupAsync(Alice, "Team", "bob")).Chat.Id;

        var added = await Groups.AddMembersAsync(Alice, id, ["carol", "dave", "bob"]);
        Assert.Equal(4, added.Members.Count);

        await Groups.PromoteAsync(Alice, id, "bob");
        Assert.Equal(ChatRole.Admin, (await Chats.GetMembershipAsync(Bob, id)).Role);

        // A promoted admin has the controls too.
        await Groups.RemoveMemberAsync(Bob, id, "dave");
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Chats.GetChatAsync(Dave, id));
        Assert.Contains(Events.OfType<ChatMembershipChanged>(), e => e.Change == MembershipChange.Removed && e.UserId == Dave && e.AffectedUserIds.Contains(Dave));

        await Groups.DemoteAsync(Alice, id, "bob");
        Assert.Equal(ChatRole.Member, (await Chats.GetMembershipAsync(Bob, id)).Role);

        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.UserNotFound, () => Groups.RemoveMemberAsync(Alice, id, "eve"));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.UserNotFound, () => Groups.PromoteAsync(Alice, id, "ghost"));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.UnknownUsers, () => Groups.AddMembersAsync(Alice, id, ["ghost"]));
    }

    [Fact]
    public async Task Owner_CannotBeRemovedOrDemotedByOtherAdmins()
    {
        var id = (await GroupAsync(Alice, "Team", "bob")).Chat.Id;
        await Groups.PromoteAsync(Alice, id, "bob");

        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.OwnerProtected, () => Groups.RemoveMemberAsync(Bob, id, "alice"));
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.OwnerProtected, () => Groups.DemoteAsync(Bob, id, "alice"));
    }

    [Fact]
    public async Task Rename_ChangesTheName_AndRefusesBadNames()
    {
        var id = (await GroupAsync(Alice, "Team")).Chat.Id;

        var renamed = await Groups.RenameAsync(Alice, id, " Renamed ");

        Assert.Equal("Renamed", renamed.Chat.Name);
        Assert.Equal("Renamed", Assert.Single(await Chats.GetChatsAsync(Alice, ChatKind.Group)).Title);
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidGroupName, () => Groups.RenameAsync(Alice, id, " "));
    }

    [Fact]
    public async Task Leave_ByLastAdmin_PromotesTheLongestStandingMember()
    {
        var id = (await GroupAsync(Alice, "Team", "bob")).Chat.Id;
        Time.Advance(TimeSpan.FromMinutes(1));
        await Groups.AddMembersAsync(Alice, id, ["carol"]);
        Time.Advance(TimeSpan.FromMinutes(1));
        await Groups.AddMembersAsync(Alice, id, ["dave"]);
        await Groups.LeaveAsync(Bob, id);

        await Groups.LeaveAsync(Alice, id);

        Assert.Equal(ChatRole.Owner, (await Chats.GetMembershipAsync(Carol, id)).Role);
        Assert.Equal(ChatRole.Member, (await Chats.GetMembershipAsync(Dave, id)).Role);
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Chats.GetChatAsync(Alice, id));
    }

    [Fact]
    public async Task Leave_ByOwner_HandsOwnershipToAnAdmin()
    {
        var id = (await GroupAsync(Alice, "Team", "bob", "carol")).Chat.Id;
        await Groups.PromoteAsync(Alice, id, "carol");

        await Groups.LeaveAsync(Alice, id);

        Assert.Equal(ChatRole.Owner, (await Chats.GetMembershipAsync(Carol, id)).Role);
        Assert.Equal(ChatRole.Member, (await Chats.GetMembershipAsync(Bob, id)).Role);
    }

    [Fact]
    public async Task Leave_ByPlainMember_KeepsTheAdmins()
    {
        var id = (await GroupAsync(Alice, "Team", "bob", "carol")).Chat.Id;
        await Groups.LeaveAsync(Bob, id);
        Assert.Equal(ChatRole.Owner, (await Chats.GetMembershipAsync(Alice, id)).Role);
        Assert.Equal(ChatRole.Member, (await Chats.GetMembershipAsync(Carol, id)).Role);
    }

    [Fact]
    public async Task Leave_ByLastMember_DeletesTheGroup()
    {
        var group = await GroupAsync(Alice, "Solo");
        await SendAsync(Alice, group.Chat.Id, "talking to myself");

        await Groups.LeaveAsync(Alice, group.Chat.Id);

        Assert.Empty(await Chats.GetChatsAsync(Alice, ChatKind.Group));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.GroupNotFound, () => Groups.JoinAsync(Bob, group.JoinCode));
        Assert.Contains(Events.OfType<ChatMembershipChanged>(), e => e.Change == MembershipChange.ChatDeleted && e.ChatId == group.Chat.Id);
    }

    [Fact]
    public async Task Delete_ByAdmin_RemovesTheGroupForEveryone()
    {
        var id = (await GroupAsync(Alice, "Team", "bob")).Chat.Id;
        await SendAsync(Bob, id, "hello");

        await Groups.DeleteAsync(Alice, id);

        Assert.Empty(await Chats.GetChatsAsync(Bob, ChatKind.Group));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Chats.GetChatAsync(Bob, id));
        var deleted = Assert.Single(Events.OfType<ChatMembershipChanged>(), e => e.Change == MembershipChange.ChatDeleted);
        Assert.Equal([Alice, Bob], deleted.AffectedUserIds.Order());
    }
}
