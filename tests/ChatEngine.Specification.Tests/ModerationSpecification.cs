using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ChatEngine.Specification.Tests;

/// <summary>Blocks, admins' mutes and bans, and reports (contract v2, section 6).</summary>
public abstract partial class ChatEngineSpecificationTests
{
    protected ModerationService Moderation => Services.GetRequiredService<ModerationService>();

    [Fact]
    public async Task Block_KeepsTheBlockedUserFromTheBlockerAndClosesTheirPrivateChat()
    {
        var chat = await PrivateChatAsync(Alice, "bob");
        var before = await SendAsync(Bob, chat, "hi alice");
        var group = (await GroupAsync(Carol, "Team", "alice", "bob")).Chat.Id;

        await Moderation.BlockAsync(Alice, "bob");
        await Moderation.BlockAsync(Alice, "BOB"); // Again: harmless.
        Assert.Equal(["bob"], (await Moderation.GetBlocksAsync(Alice)).Select(b => b.User.UserName));
        Assert.Equal([Bob], Events.OfType<UserBlocksChanged>().Single().BlockedUserIds);

        // Neither can send, react or upload in the private chat they share; it keeps its history.
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.Blocked, () => Messaging.SendAsync(Bob, chat, "hello?"));
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.Blocked, () => Messaging.SendAsync(Alice, chat, "go away"));
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.Blocked, () => MessageChanges.ReactAsync(Bob, chat, before.Id, "👍", on: true));
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.Blocked, () => Attachments.UploadAsync(Bob, chat, "a.txt", "text/plain", new MemoryStream([1, 2, 3])));
        Assert.Equal([before.Id], (await Chats.GetChatAsync(Alice, chat)).Messages.Select(m => m.Message.Id));

        // Bob cannot start a chat with Alice, put her in a group or add her to one.
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.Blocked, () => Chats.StartPrivateChatAsync(Bob, "alice"));
        var refused = await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.Blocked, () => Groups.CreateGroupAsync(Bob, "Mine", ["alice", "dave"]));
        Assert.Equal(["alice"], refused.Items);
        var bobs = (await GroupAsync(Bob, "Bob's", "dave")).Chat.Id;
        Assert.Equal(["alice"], (await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.Blocked, () => Groups.AddMembersAsync(Bob, bobs, ["alice"]))).Items);

        // Alice sees the chat as blocked, and Bob as never online; Bob's list says nothing of it.
        await Presence.ConnectedAsync(Bob);
        var alices = (await Chats.GetChatsAsync(Alice, ChatKind.Private)).Single();
        Assert.True(alices.Blocked);
        Assert.False(alices.IsOnline);
        var detail = await Chats.GetChatAsync(Alice, chat);
        Assert.True(detail.Blocked);
        Assert.False(detail.IsOnline);
        Assert.Null(detail.LastSeen);
        Assert.False((await Chats.GetChatsAsync(Bob, ChatKind.Private)).Single().Blocked);

        // In a group they share, both still post; Bob's mention of Alice is not recorded, Carol's is.
        var mention = await SendAsync(Bob, group, "@alice @carol look");
        Assert.Equal([Carol], mention.MentionIds);
        var committed = Events.OfType<MessageCommitted>().Single(e => e.Message.Id == mention.Id);
        Assert.Equal([Carol], await Notifications.WhoToNotifyAsync(committed, ChatKind.Group)); // Alice is never notified of Bob.
        Assert.Equal([Bob], (await SendAsync(Alice, group, "@bob hi")).MentionIds);

        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.SelfTarget, () => Moderation.BlockAsync(Alice, "alice"));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.UserNotFound, () => Moderation.BlockAsync(Alice, "nobody"));

        await Moderation.UnblockAsync(Alice, "bob");
        Assert.Empty(await Moderation.GetBlocksAsync(Alice));
        Assert.Empty(Events.OfType<UserBlocksChanged>()[^1].BlockedUserIds);
        await SendAsync(Bob, chat, "friends again?");
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.UserNotFound, () => Moderation.UnblockAsync(Alice, "nobody"));
    }

    [Fact]
    public async Task Mute_StopsAMemberPostingUntilItEnds_AndIsAChangeOfTheLog()
    {
        var group = (await GroupAsync(Alice, "Team", "bob", "carol")).Chat.Id;
        var bobs = await SendAsync(Bob, group, "before");
        var until = Time.GetUtcNow().AddHours(1);
        await Groups.MuteAsync(Alice, group, "bob", until, "  spamming  ");

        var muted = Events.OfType<ChatChanged>().Last().Change;
        Assert.Equal((ChatChangeKind.MemberMuted, true, until, (long?)Alice, Bob), (muted.Kind, muted.On!.Value, muted.Until!.Value, muted.ByUserId, muted.Members.Single().UserId));
        Assert.Equal("bob", muted.Members.Single().UserName);
        Assert.Equal([("bob", (DateTimeOffset?)until)], (await Groups.GetGroupAsync(Carol, group)).Muted.Select(m => (m.User.UserName, m.Until)));
        Assert.Equal(["bob"], (await Chats.GetChatAsync(Carol, group)).Muted.Select(m => m.User.UserName));

        // Bob still reads and marks read; he cannot send, edit, react or pin, and his typing goes nowhere.
        var error = await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.Muted, () => Messaging.SendAsync(Bob, group, "let me speak"));
        Assert.Equal(until, error.Until);
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.Muted, () => MessageChanges.EditAsync(Bob, group, bobs.Id, "edited"));
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.Muted, () => MessageChanges.ReactAsync(Bob, group, bobs.Id, "👍", on: true));
        var typingBefore = Events.OfType<UserTyping>().Count;
        await Messaging.NotifyTypingAsync(Bob, group);
        Assert.Equal(typingBefore, Events.OfType<UserTyping>().Count);
        var carols = await SendAsync(Carol, group, "quiet now");
        Assert.True(await Messaging.MarkReadAsync(Bob, group, carols.Id));

        // The same end again changes nothing; a new end is a new change.
        var changes = Events.OfType<ChatChanged>().Count;
        await Groups.MuteAsync(Alice, group, "bob", until, null);
        Assert.Equal(changes, Events.OfType<ChatChanged>().Count);
        var later = until.AddHours(1);
        await Groups.MuteAsync(Alice, group, "bob", later, null);
        Assert.Equal(later, Events.OfType<ChatChanged>().Last().Change.Until);

        // The mute runs out on its own: no event, and Bob posts again.
        Time.Advance(TimeSpan.FromHours(2) + TimeSpan.FromSeconds(1));
        changes = Events.OfType<ChatChanged>().Count;
        await SendAsync(Bob, group, "I'm back");
        Assert.Empty((await Groups.GetGroupAsync(Alice, group)).Muted);
        await Groups.UnmuteAsync(Alice, group, "bob"); // A mute that ran out: nothing to lift.
        Assert.Equal(changes, Events.OfType<ChatChanged>().Count);

        // For good, until lifted.
        await Groups.MuteAsync(Alice, group, "bob", null, null);
        Assert.Null((await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.Muted, () => Messaging.SendAsync(Bob, group, "still?"))).Until);
        await Groups.UnmuteAsync(Alice, group, "bob");
        var unmuted = Events.OfType<ChatChanged>().Last().Change;
        Assert.Equal((ChatChangeKind.MemberMuted, false), (unmuted.Kind, unmuted.On!.Value));
        await SendAsync(Bob, group, "free");

        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.NotAdmin, () => Groups.MuteAsync(Carol, group, "bob", null, null));
        await Groups.PromoteAsync(Alice, group, "carol");
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.OwnerProtected, () => Groups.MuteAsync(Carol, group, "alice", null, null));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.SelfTarget, () => Groups.MuteAsync(Carol, group, "carol", null, null));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidTime, () => Groups.MuteAsync(Alice, group, "bob", Time.GetUtcNow(), null));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.UserNotFound, () => Groups.MuteAsync(Alice, group, "dave", null, null));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.TextTooLong, () => Groups.MuteAsync(Alice, group, "bob", null, new string('x', 501)));
    }

    [Fact]
    public async Task Ban_RemovesTheMember_AndRefusesTheirReturnUntilItEndsOrIsLifted()
    {
        var created = await GroupAsync(Alice, "Team", "bob", "carol");
        var group = created.Chat.Id;
        var until = Time.GetUtcNow().AddDays(1);
        await Groups.BanAsync(Alice, group, "bob", until, "trolling");

        var removed = Events.OfType<ChatChanged>().Last().Change;
        Assert.Equal((ChatChangeKind.MemberRemoved, MemberRemovalReason.Banned, until, Bob), (removed.Kind, removed.Reason!.Value, removed.Until!.Value, removed.Members.Single().UserId));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Messaging.SendAsync(Bob, group, "hey"));
        Assert.Equal(until, (await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.Banned, () => Groups.JoinAsync(Bob, created.JoinCode))).Until);
        Assert.Equal(["bob"], (await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.Banned, () => Groups.AddMembersAsync(Alice, group, ["bob", "dave"]))).Items);
        var ban = Assert.Single(await Groups.GetBansAsync(Alice, group));
        Assert.Equal(("bob", until, "trolling", "alice"), (ban.User.UserName, ban.Ban.Until, ban.Ban.Reason, ban.By.UserName));

        // A non-member is banned without a change; the ban keeps them out all the same.
        var changes = Events.OfType<ChatChanged>().Count;
        await Groups.BanAsync(Alice, group, "dave", Time.GetUtcNow().AddHours(1), null);
        await Groups.BanAsync(Alice, group, "bob", until, "again"); // Not a member any more: no change either.
        Assert.Equal(changes, Events.OfType<ChatChanged>().Count);
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.Banned, () => Groups.JoinAsync(Dave, created.JoinCode));

        // Dave's runs out; Bob's is lifted: both may come back.
        Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        Assert.True((await Groups.JoinAsync(Dave, created.JoinCode)).Joined);
        Assert.Equal(["bob"], (await Groups.GetBansAsync(Alice, group)).Select(b => b.User.UserName));
        await Groups.UnbanAsync(Alice, group, "bob");
        Assert.Empty(await Groups.GetBansAsync(Alice, group));
        Assert.True((await Groups.JoinAsync(Bob, created.JoinCode)).Joined);

        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.NotAdmin, () => Groups.BanAsync(Carol, group, "bob", null, null));
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.NotAdmin, () => Groups.GetBansAsync(Carol, group));
        await Groups.PromoteAsync(Alice, group, "carol");
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.OwnerProtected, () => Groups.BanAsync(Carol, group, "alice", null, null));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.SelfTarget, () => Groups.BanAsync(Alice, group, "alice", null, null));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.UserNotFound, () => Groups.BanAsync(Alice, group, "nobody", null, null));
        var chat = await PrivateChatAsync(Alice, "eve");
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.NotAGroup, () => Groups.BanAsync(Alice, chat, "eve", null, null));
    }

    [Fact]
    public async Task Report_ReachesTheGroupsAdminsAndTheHost_OncePerReporter()
    {
        var group = (await GroupAsync(Alice, "Team", "bob", "carol")).Chat.Id;
        var rude = await SendAsync(Carol, group, "something rude");

        var id = await Moderation.ReportAsync(Bob, group, rude.Id, "abuse", "  not ok  ");
        Assert.Equal(id, await Moderation.ReportAsync(Bob, group, rude.Id, "spam", null));
        var reported = Assert.Single(Events.OfType<MessageReported>());
        Assert.Equal([Alice], reported.AdminIds);
        Assert.Equal(id, reported.Report.Report.Id);
        Assert.Equal(id, Assert.Single(Reported.All).Report.Id);

        // The snapshot stays as reported, whatever happens to the message.
        await MessageChanges.EditAsync(Carol, group, rude.Id, "something nice");
        var report = Assert.Single(await Moderation.GetReportsAsync(Alice, group));
        Assert.Equal((ReportReason.Abuse, "not ok", "something rude", "carol", "bob"), (report.Report.Reason, report.Report.Note, report.Report.MessageText, report.Sender.UserName, report.Reporter.UserName));

        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.NotAdmin, () => Moderation.GetReportsAsync(Bob, group));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.SelfTarget, () => Moderation.ReportAsync(Carol, group, rude.Id, "spam", null));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidReason, () => Moderation.ReportAsync(Alice, group, rude.Id, "boring", null));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.TextTooLong, () => Moderation.ReportAsync(Alice, group, rude.Id, "other", new string('x', 1001)));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => Moderation.ReportAsync(Dave, group, rude.Id, "spam", null));
        await MessageChanges.DeleteAsync(Carol, group, rude.Id);
        await AssertChatErrorAsync(ChatErrorKind.Conflict, ChatErrorCodes.MessageDeleted, () => Moderation.ReportAsync(Alice, group, rude.Id, "spam", null));

        await Moderation.ResolveReportAsync(Alice, group, id);
        Assert.Empty(await Moderation.GetReportsAsync(Alice, group));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ReportNotFound, () => Moderation.ResolveReportAsync(Alice, group, id));

        // In a private chat, only the host hears of it.
        var chat = await PrivateChatAsync(Dave, "eve");
        var evil = await SendAsync(Eve, chat, "buy now");
        await Moderation.ReportAsync(Dave, chat, evil.Id, "spam", null);
        Assert.Empty(Events.OfType<MessageReported>()[^1].AdminIds);
        Assert.Equal(2, Reported.All.Count);
    }

    [Fact]
    public async Task EveryChatsReports_ReachTheHostsOwnList_NewestFirst_WithTheirChats()
    {
        var group = (await GroupAsync(Alice, "Team", "bob", "carol")).Chat.Id;
        var chat = await PrivateChatAsync(Dave, "eve");
        var rude = await SendAsync(Carol, group, "rude");
        var first = await Moderation.ReportAsync(Bob, group, rude.Id, "abuse", null);
        var second = await Moderation.ReportAsync(Dave, chat, (await SendAsync(Eve, chat, "buy now")).Id, "spam", "again");
        var third = await Moderation.ReportAsync(Alice, group, (await SendAsync(Carol, group, "ruder")).Id, "inappropriate", null);
        var ours = new[] { group, chat };

        var all = (await Moderation.GetAllReportsAsync(limit: 100)).Where(r => ours.Contains(r.Chat.Id)).ToArray();
        Assert.Equal([third, second, first], all.Select(r => r.Report.Report.Id));
        Assert.Equal((ChatKind.Private, "eve", "dave", "buy now", "again"), (all[1].Chat.Kind, all[1].Report.Sender.UserName, all[1].Report.Reporter.UserName, all[1].Report.Report.MessageText, all[1].Report.Report.Note));
        Assert.Equal((ChatKind.Group, "Team"), (all[0].Chat.Kind, all[0].Chat.Name));
        Assert.Equal([first], (await Moderation.GetAllReportsAsync(beforeReportId: second, limit: 100)).Where(r => ours.Contains(r.Chat.Id)).Select(r => r.Report.Report.Id));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidPaging, () => Moderation.GetAllReportsAsync(limit: 0));
        Assert.All(all, r => Assert.False(r.MessageGone));

        // A message deleted since keeps its report, which says so.
        await MessageChanges.DeleteAsync(Carol, group, rude.Id);
        Assert.Equal([false, false, true], (await Moderation.GetAllReportsAsync(limit: 100)).Where(r => ours.Contains(r.Chat.Id)).Select(r => r.MessageGone));

        await Moderation.ResolveAnyReportAsync(chat, second);
        Assert.Equal([third, first], (await Moderation.GetAllReportsAsync(limit: 100)).Where(r => ours.Contains(r.Chat.Id)).Select(r => r.Report.Report.Id));
        Assert.DoesNotContain(second, (await Moderation.GetReportsAsync(Alice, group)).Select(r => r.Report.Id));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ReportNotFound, () => Moderation.ResolveAnyReportAsync(chat, second));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ReportNotFound, () => Moderation.ResolveAnyReportAsync(chat, first)); // Not that chat's.

        // A group deleted takes its reports with it.
        await Groups.DeleteAsync(Alice, group);
        Assert.DoesNotContain(await Moderation.GetAllReportsAsync(limit: 100), r => r.Chat.Id == group);
    }

    [Fact]
    public async Task AReportedMessage_DeletedForTheHost_IsATombstoneForItsChat_AndTheReportIsAnswered()
    {
        // The users' rules do not bind the host's moderators, who need not be members either.
        Options.Messages.AllowDelete = false;
        Options.Messages.DeleteWindow = TimeSpan.FromMinutes(5);
        var chat = await PrivateChatAsync(Dave, "eve");
        var spam = await SendAsync(Eve, chat, "buy now");
        var report = await Moderation.ReportAsync(Dave, chat, spam.Id, "spam", null);
        Time.Advance(TimeSpan.FromMinutes(6));

        Assert.True(await Moderation.DeleteReportedMessageAsync(Alice, chat, report));

        Assert.True((await MessageChanges.GetMessageAsync(Dave, chat, spam.Id)).Message.IsDeleted);
        var deleted = Assert.Single(Events.OfType<ChatChanged>(), e => e.Change.Kind == ChatChangeKind.MessageDeleted);
        Assert.Equal((chat, spam.Id, (long?)Alice), (deleted.Change.ChatId, deleted.Change.MessageId, deleted.Change.ByUserId));
        Assert.DoesNotContain(await Moderation.GetAllReportsAsync(limit: 100), r => r.Report.Report.Id == report);
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ReportNotFound, () => Moderation.DeleteReportedMessageAsync(Alice, chat, report));

        // Another chat's report, or none, is not found; nothing else is deleted.
        var group = (await GroupAsync(Alice, "Team", "bob", "carol")).Chat.Id;
        var rude = await SendAsync(Carol, group, "rude");
        var bobs = await Moderation.ReportAsync(Bob, group, rude.Id, "abuse", null);
        var alices = await Moderation.ReportAsync(Alice, group, rude.Id, "abuse", null);
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ReportNotFound, () => Moderation.DeleteReportedMessageAsync(Dave, chat, bobs));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ReportNotFound, () => Moderation.DeleteReportedMessageAsync(Dave, group, 0));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ReportNotFound, () => Moderation.DeleteReportedMessageAsync(Dave, group, long.MaxValue));
        Assert.False((await MessageChanges.GetMessageAsync(Bob, group, rude.Id)).Message.IsDeleted);

        // Two reports of one message, and one of another: deleting from the older answers both of the first.
        var other = await Moderation.ReportAsync(Bob, group, (await SendAsync(Carol, group, "ruder")).Id, "abuse", null);
        Assert.True(await Moderation.DeleteReportedMessageAsync(Dave, group, bobs));
        Assert.Equal([other], (await Moderation.GetReportsAsync(Alice, group)).Select(r => r.Report.Id));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ReportNotFound, () => Moderation.DeleteReportedMessageAsync(Dave, group, alices));

        // A message deleted already: nothing changes, and the report is answered all the same.
        await MessageChanges.DeleteForHostAsync(Dave, group, (await Moderation.GetReportsAsync(Alice, group))[0].Report.MessageId);
        var changes = Events.OfType<ChatChanged>().Count();
        Assert.False(await Moderation.DeleteReportedMessageAsync(Dave, group, other));
        Assert.Equal(changes, Events.OfType<ChatChanged>().Count());
        Assert.Empty(await Moderation.GetReportsAsync(Alice, group));
    }

    [Fact]
    public async Task Reports_AreLimitedPerHour()
    {
        var group = (await GroupAsync(Alice, "Team", "bob")).Chat.Id;
        var messages = new List<ChatMessage>();
        for (var i = 0; i <= 20; i++)
        {
            messages.Add(await SendAsync(Alice, group, $"message {i}"));
        }

        foreach (var message in messages.Take(20))
        {
            await Moderation.ReportAsync(Bob, group, message.Id, "spam", null);
        }

        await AssertChatErrorAsync(ChatErrorKind.RateLimited, ChatErrorCodes.RateLimited, () => Moderation.ReportAsync(Bob, group, messages[20].Id, "spam", null));
        Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await Moderation.ReportAsync(Bob, group, messages[20].Id, "spam", null);
    }
}
