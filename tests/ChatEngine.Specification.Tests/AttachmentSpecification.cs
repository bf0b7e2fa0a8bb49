using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ChatEngine.Specification.Tests;

/// <summary>Stored attachments: pending uploads, the message that claims them in its commit, and their end.</summary>
public abstract partial class ChatEngineSpecificationTests
{
    protected AttachmentService Attachments => Services.GetRequiredService<AttachmentService>();

    private async Task<ChatAttachment> UploadAsync(long user, long chatId, string text, string name = "notes.txt") =>
        await Attachments.UploadAsync(user, chatId, name, "text/plain", new MemoryStream(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public async Task Attachments_ArePendingForTheUploaderOnly_UntilAMessageCarriesThem_ThenEveryMemberReadsThem()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        var first = await UploadAsync(Alice, chatId, "first file", "a/b\\plan\u202E.txt");
        var second = await UploadAsync(Alice, chatId, "second");
        Assert.Equal(("plan.txt", "text/plain", 10L, (long?)null), (first.Name, first.ContentType, first.Size, first.MessageId));
        Assert.Equal(new AttachmentUsage(16, 2), await InScopeAsync(sp => ((IAttachmentRecordStore)sp.GetRequiredService<IMessageStore>()).GetUsageAsync(Alice, default)));

        await using (var own = await Attachments.OpenAsync(Alice, chatId, first.Id))
        {
            Assert.Equal("first file", await new StreamReader(own.Content).ReadToEndAsync());
        }

        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.AttachmentNotFound, () => Attachments.OpenAsync(Bob, chatId, first.Id));

        // Named in the order the sender chose, with no text at all.
        var sent = await Messaging.SendAsync(Alice, chatId, "  ", "with-files", attachmentIds: [second.Id, first.Id]);
        Assert.Equal([second.Id, first.Id], sent.Attachments.Select(a => a.Id));
        Assert.Equal((string.Empty, 2), (sent.Message.Text, sent.Message.AttachmentCount));
        var committed = Assert.Single(Events.OfType<MessageCommitted>(), e => e.Message.Id == sent.Message.Id);
        Assert.Equal([(second.Id, 0), (first.Id, 1)], committed.Attachments.Select(a => (a.Id, a.Position)));
        Assert.All(committed.Attachments, a => Assert.Equal(sent.Message.Id, a.MessageId));

        var history = await Chats.GetChatAsync(Bob, chatId);
        Assert.Equal([second.Id, first.Id], history.Messages.Single(m => m.Message.Id == sent.Message.Id).Attachments.Select(a => a.Id));
        var replay = await Changes.GetChangesAsync(Bob, chatId, 0);
        Assert.Equal([second.Id, first.Id], replay.Events.OfType<MessageCommitted>().Single().Attachments.Select(a => a.Id));
        var missed = await Messaging.GetMessagesAfterAsync(Bob, chatId, 0);
        Assert.Equal([second.Id, first.Id], missed.Single().Attachments.Select(a => a.Id));
        await using (var bobs = await Attachments.OpenAsync(Bob, chatId, first.Id))
        {
            Assert.Equal("first file", await new StreamReader(bobs.Content).ReadToEndAsync());
        }

        // A retry with the same client id gets the first message and its files; no second message.
        var retried = await Messaging.SendAsync(Alice, chatId, "", "with-files", attachmentIds: [second.Id, first.Id]);
        Assert.Equal((sent.Message.Id, false), (retried.Message.Id, retried.Created));
        Assert.Equal([second.Id, first.Id], retried.Attachments.Select(a => a.Id));

        // The list says files came when there is no text to show.
        Assert.Equal("📎 2 files", (await Chats.GetChatsAsync(Bob, ChatKind.Private)).Single(c => c.ChatId == chatId).LastMessage);

        // A quote of it counts its files.
        var reply = await Messaging.SendAsync(Bob, chatId, "got them", replyToId: sent.Message.Id);
        Assert.Equal(2, reply.ReplyPreview!.Attachments);
    }

    [Fact]
    public async Task Attachments_AMessageClaimsOnlyPendingUploadsOfItsSenderToItsChat()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        var otherChat = await PrivateChatAsync(Alice, "carol");
        var alices = await UploadAsync(Alice, chatId, "mine");
        var elsewhere = await UploadAsync(Alice, otherChat, "elsewhere");

        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidAttachment, () => Messaging.SendAsync(Bob, chatId, "", attachmentIds: [alices.Id]));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidAttachment, () => Messaging.SendAsync(Alice, chatId, "x", attachmentIds: [elsewhere.Id]));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidAttachment, () => Messaging.SendAsync(Alice, chatId, "x", attachmentIds: ["not-an-id"]));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidAttachment, () => Messaging.SendAsync(Alice, chatId, "x", attachmentIds: [alices.Id, alices.Id]));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.TooManyAttachments,
            () => Messaging.SendAsync(Alice, chatId, "x", attachmentIds: Enumerable.Range(0, Options.Attachments.MaxPerMessage + 1).Select(i => $"{i:0000000000000000000000}").ToArray()));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.EmptyText, () => Messaging.SendAsync(Alice, chatId, " "));

        await Messaging.SendAsync(Alice, chatId, "once", attachmentIds: [alices.Id]);
        // Carried already: a new message (another client id) cannot take it again.
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidAttachment, () => Messaging.SendAsync(Alice, chatId, "twice", attachmentIds: [alices.Id]));
    }

    [Fact]
    public async Task Attachments_TwoMessagesRacingForOneUpload_OneGetsIt()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        var upload = await UploadAsync(Alice, chatId, "contested");
        // Both pass their checks before either is stored; the store lets one claim it.
        var prepared = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => InScopeAsync(sp =>
            sp.GetRequiredService<MessagingService>().PrepareSendAsync(Alice, chatId, new MessageContent($"try {i}", Attachments: [upload.Id]), null, default))));
        var outcomes = await Task.WhenAll(prepared.Select(p => InScopeAsync(async sp =>
        {
            try
            {
                return (await sp.GetRequiredService<MessagingService>().CommitAsync(p, default)).Message.Id;
            }
            catch (ChatException error) when (error.Code == ChatErrorCodes.InvalidAttachment)
            {
                return 0L;
            }
        })));
        Assert.Single(outcomes, id => id != 0);
        var history = await Chats.GetChatAsync(Bob, chatId);
        Assert.Single(history.Messages);
    }

    [Fact]
    public async Task Attachments_GoWithTheirDeletedMessage_TheirGroup_OrWhenNoMessageCarriesThemInTime()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        var carried = await UploadAsync(Alice, chatId, "carried");
        var message = (await Messaging.SendAsync(Alice, chatId, "see file", attachmentIds: [carried.Id])).Message;
        var path = Path.Combine(AttachmentFolder, carried.ContentKey);
        Assert.True(File.Exists(path));

        Assert.True(await MessageChanges.DeleteAsync(Alice, chatId, message.Id));
        Assert.False(File.Exists(path));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.AttachmentNotFound, () => Attachments.OpenAsync(Bob, chatId, carried.Id));
        var tombstone = (await Chats.GetChatAsync(Bob, chatId)).Messages.Single(m => m.Message.Id == message.Id);
        Assert.Equal((0, 0), (tombstone.Message.AttachmentCount, tombstone.Attachments.Count));

        var group = await GroupAsync(Alice, "Files", "bob");
        var inGroup = await UploadAsync(Bob, group.Chat.Id, "group file");
        await Messaging.SendAsync(Bob, group.Chat.Id, "", attachmentIds: [inGroup.Id]);
        await Groups.DeleteAsync(Alice, group.Chat.Id);
        Assert.False(File.Exists(Path.Combine(AttachmentFolder, inGroup.ContentKey)));
        Assert.Equal(new AttachmentUsage(0, 0), await InScopeAsync(sp => ((IAttachmentRecordStore)sp.GetRequiredService<IMessageStore>()).GetUsageAsync(Bob, default)));

        var forgotten = await UploadAsync(Alice, chatId, "never sent");
        Time.Advance(Options.Attachments.PendingLifetime - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await Attachments.RemoveExpiredAsync());
        Time.Advance(TimeSpan.FromSeconds(2));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidAttachment, () => Messaging.SendAsync(Alice, chatId, "late", attachmentIds: [forgotten.Id]));
        Assert.Equal(1, await Attachments.RemoveExpiredAsync());
        Assert.False(File.Exists(Path.Combine(AttachmentFolder, forgotten.ContentKey)));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.AttachmentNotFound, () => Attachments.OpenAsync(Alice, chatId, forgotten.Id));
    }

    [Fact]
    public async Task Attachments_AreRefusedPastTheSizeLimit_TheQuota_OrTheirPendingCount_AndLeaveNothingBehind()
    {
        var chatId = await PrivateChatAsync(Alice, "bob");
        Options.Attachments.MaxBytes = 100;
        Options.Attachments.QuotaPerUser = 150;
        Options.Attachments.MaxPendingPerUser = 2;

        await AssertChatErrorAsync(ChatErrorKind.TooLarge, ChatErrorCodes.FileTooLarge, () => UploadAsync(Alice, chatId, new string('x', 101)));
        await UploadAsync(Alice, chatId, new string('x', 100));
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.QuotaExceeded, () => UploadAsync(Alice, chatId, new string('x', 51)));
        await UploadAsync(Alice, chatId, new string('x', 50));
        await AssertChatErrorAsync(ChatErrorKind.Forbidden, ChatErrorCodes.QuotaExceeded, () => UploadAsync(Alice, chatId, "x"));
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => UploadAsync(Carol, chatId, "not a member"));

        // Only the two kept uploads are on disk: refused ones left no partial file.
        Assert.Equal(2, Directory.EnumerateFiles(AttachmentFolder, "*", SearchOption.AllDirectories).Count());
    }
}
