using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ChatEngine.Specification.Tests;

/// <summary>A user's export and erasure (contract v2, section 6).</summary>
public abstract partial class ChatEngineSpecificationTests
{
    protected ChatUserData UserData => Services.GetRequiredService<ChatUserData>();

    [Fact]
    public async Task Export_HoldsTheUsersChatsAndOwnMessages_AndNoOneElses()
    {
        var group = (await GroupAsync(Alice, "Team", "bob")).Chat.Id;
        var chat = await PrivateChatAsync(Bob, "alice");
        var mine = await SendAsync(Alice, group, "mine @bob");
        var bobs = await SendAsync(Bob, group, "bob's");
        await SendAsync(Alice, chat, "private hello");
        await Messaging.MarkReadAsync(Alice, group, bobs.Id);
        await MessageChanges.ReactAsync(Alice, group, bobs.Id, "👍", on: true);
        await MessageChanges.PinAsync(Alice, group, mine.Id, pinned: true);
        await Moderation.BlockAsync(Alice, "carol");
        await Moderation.ReportAsync(Alice, group, bobs.Id, "other", "just testing");
        await Notifications.SetAsync(Alice, chat, NotifyLevel.None, null);

        var export = await UserData.GetExportAsync(Alice);
        Assert.Equal(("alice", Time.GetUtcNow()), (export.User.UserName, export.ExportedAt));
        Assert.Equal([(group, "Team", ChatRole.Owner), (chat, "bob", ChatRole.Member)], export.Chats.OrderBy(c => c.Chat.Id).Select(c => (c.Chat.Id, c.Name, c.Member.Role)));
        Assert.Equal(NotifyLevel.None, export.Chats.Single(c => c.Chat.Id == chat).Member.NotifyLevel);
        Assert.Equal(bobs.Id, export.Chats.Single(c => c.Chat.Id == group).ReadUpTo);
        Assert.Equal([("👍", bobs.Id)], export.Reactions.Select(r => (r.Emoji, r.MessageId)));
        Assert.Equal([mine.Id], export.Pins.Select(p => p.Id));
        Assert.Equal(["carol"], export.Blocks.Select(b => b.User.UserName));
        Assert.Equal(["just testing"], export.Reports.Select(r => r.Note));
        Assert.Equal(["mine @bob"], (await UserData.GetOwnMessagesAsync(Alice, group)).Select(m => m.Message.Text));
        Assert.Equal(["private hello"], (await UserData.GetOwnMessagesAsync(Alice, chat)).Select(m => m.Message.Text));
        Assert.Empty(await UserData.GetOwnMessagesAsync(Alice, group, afterId: mine.Id));
    }

    [Fact]
    public async Task Erasure_LeavesTombstonesAsDeletedUser_TakesTheUserOutOfEveryChat_AndKeepsTheOthersHistory()
    {
        var group = (await GroupAsync(Alice, "Team", "bob", "carol")).Chat.Id;
        var chat = await PrivateChatAsync(Bob, "alice");
        var hers = await SendAsync(Alice, group, "alice was here");
        var bobs = await SendAsync(Bob, group, "bob replies");
        await SendAsync(Alice, chat, "a secret");
        await MessageChanges.ReactAsync(Alice, group, bobs.Id, "👍", on: true);
        await Moderation.BlockAsync(Alice, "dave");
        var file = await Attachments.UploadAsync(Alice, group, "notes.txt", "text/plain", new MemoryStream([1, 2, 3]));
        await Messaging.SendAsync(Alice, group, "", attachmentIds: [file.Id]);
        Events.Clear();

        // As a host's account deletion does: chat data first, then the account.
        await UserData.EraseAsync(Alice);
        Users.Remove(Alice);

        // Her reaction went with its event; her messages are tombstones; she is out of both chats.
        Assert.Contains(Events.OfType<ChatChanged>(), e => e.Change is { Kind: ChatChangeKind.ReactionChanged, On: false, Count: 0 });
        var removals = Events.OfType<ChatChanged>().Where(e => e.Change.Kind == ChatChangeKind.MemberRemoved).Select(e => (e.Change.ChatId, e.Change.Reason)).ToArray();
        Assert.Equal([(group, MemberRemovalReason.Erased), (chat, MemberRemovalReason.Erased)], removals.OrderBy(r => r.ChatId == chat));
        Assert.Contains(Events.OfType<ChatChanged>(), e => e.Change is { Kind: ChatChangeKind.RoleChanged } && e.Change.Members[0].UserId == Bob); // Ownership passed on.
        Assert.Single(Events.OfType<UserErased>());
        var page = await Chats.GetChatAsync(Bob, group);
        var tombstone = page.Messages.Single(m => m.Message.Id == hers.Id);
        Assert.True(tombstone.Message.IsDeleted);
        Assert.Equal(("", "Deleted user", Alice), (tombstone.Message.Text, tombstone.Sender.UserName, tombstone.Sender.Id));
        Assert.Empty(page.Messages.Single(m => m.Message.Id == bobs.Id).Reactions);
        Assert.Empty(Directory.EnumerateFiles(AttachmentFolder, "*", SearchOption.AllDirectories));
        Assert.DoesNotContain(Alice, (await Groups.GetGroupAsync(Bob, group)).Members.Select(m => m.User.Id));
        Assert.Empty(await Moderation.GetBlocksAsync(Alice));

        // Bob keeps the private chat and its history, and can send there no more.
        var kept = await Chats.GetChatAsync(Bob, chat);
        Assert.Equal(("Deleted user", true), (kept.Title, Assert.Single(kept.Messages).Message.IsDeleted));
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.UserErased, () => Messaging.SendAsync(Bob, chat, "are you there?"));
        Assert.Empty(await Chats.GetChatsAsync(Alice, ChatKind.Group));

        await UserData.EraseAsync(Alice); // Again: harmless.
    }
}
