using System.Collections.Concurrent;
using System.Diagnostics;
using ChatEngine.EntityFrameworkCore;
using ChatEngine.InMemory;
using ChatEngine.Specification.Tests;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ChatEngine.EFCore.Tests;

/// <summary>What the EF Core stores promise beyond the specification: round trips, group commit, data safety.</summary>
public abstract class EntityFrameworkStoreTests<TContext> : IAsyncLifetime
    where TContext : DbContext
{
    private ITestDatabase? _database;
    private ServiceProvider? _provider;

    protected CommandCounter Counter { get; } = new();

    protected RecordingEventHandler Events { get; } = new();

    protected IServiceProvider Services => _provider!;

    protected ITestDatabase Database => _database!;

    protected abstract Task<ITestDatabase> CreateDatabaseAsync();

    public async Task InitializeAsync()
    {
        _database = await CreateDatabaseAsync();
        var users = new InMemoryChatUserDirectory();
        for (var id = 1; id <= 60; id++)
        {
            users.Add(new ChatUser(id, $"user{id}"));
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDbContext<TContext>(o =>
        {
            _database.Configure(o);
            o.AddInterceptors(Counter);
        });
        services.AddChatEngineCore().AddEntityFrameworkStores<TContext>(o => o.MaxRetries = 1).AddUserDirectory(users)
            .AddChangeParticipant<OutboxParticipant<TContext>>();
        services.AddSingleton(Refusals);
        services.AddSingleton(ParticipantThreads);
        services.AddSingleton(ParticipantCommits);
        services.AddSingleton(WriteLoopHold);
        services.AddSingleton<IChatEventHandler>(Events);
        _provider = services.BuildServiceProvider();
        await using var scope = _provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        await DatabaseMigrator<TContext>.MigrateAsync(db, CancellationToken.None);
        await db.Database.ExecuteSqlRawAsync("""CREATE TABLE "TestOutbox" ("ChatId" bigint NOT NULL, "Seq" bigint NOT NULL)""");
    }

    protected ParticipantRefusals Refusals { get; } = new();

    protected ParticipantThreads ParticipantThreads { get; } = new();

    protected ParticipantCommits ParticipantCommits { get; } = new();

    protected WriteLoopHold WriteLoopHold { get; } = new();

    [Fact]
    public async Task ChangeParticipants_WriteInTheChangesTransaction_AndTheirFailureUndoesTheChange()
    {
        await using var scope = Services.CreateAsyncScope();
        var groups = scope.ServiceProvider.GetRequiredService<GroupService>();
        var messaging = scope.ServiceProvider.GetRequiredService<MessagingService>();
        var changes = scope.ServiceProvider.GetRequiredService<ChatChanges>();
        var chatId = (await groups.CreateGroupAsync(1, "Outbox", ["user2"])).Chat.Id;
        await messaging.SendAsync(1, chatId, "fine");

        Refusals.Text = "poison";
        Refusals.MemberId = 5;
        var send = await Assert.ThrowsAsync<ChatException>(() => messaging.SendAsync(1, chatId, "poison"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => groups.AddMembersAsync(1, chatId, ["user5"]));
        await messaging.SendAsync(2, chatId, "still fine");
        await groups.AddMembersAsync(1, chatId, ["user6"]);

        Assert.Equal(ChatErrorCodes.StoreUnavailable, send.Code);
        var log = await changes.GetChangesAsync(1, chatId, 0);
        Assert.Equal([1L, 2, 3, 4], log.Events.Select(e => e is MessageCommitted m ? m.Message.Seq : ((ChatChanged)e).Change.Seq));
        Assert.DoesNotContain(log.Events, e => e is MessageCommitted { Message.Text: "poison" });
        Assert.Null(await scope.ServiceProvider.GetRequiredService<IChatMemberStore>().FindAsync(chatId, 5, CancellationToken.None));
        var outbox = await scope.ServiceProvider.GetRequiredService<TContext>().Database
            .SqlQueryRaw<long>("""SELECT "Seq" AS "Value" FROM "TestOutbox" WHERE "ChatId" = {0} ORDER BY "Seq" """, chatId).ToListAsync();
        Assert.Equal([1L, 2, 3, 4], outbox); // What the refused changes wrote was rolled back with them.
    }

    [Fact]
    public async Task ChangeParticipants_HearOfCommittedMessagesOnly_AndOneFailingThen_LeavesTheMessageCommittedOnce()
    {
        await using var scope = Services.CreateAsyncScope();
        var messaging = scope.ServiceProvider.GetRequiredService<MessagingService>();
        var chatId = (await scope.ServiceProvider.GetRequiredService<GroupService>().CreateGroupAsync(1, "Heard", ["user2"])).Chat.Id;
        await messaging.SendAsync(1, chatId, "fine");
        Refusals.Text = "poison";
        await Assert.ThrowsAsync<ChatException>(() => messaging.SendAsync(1, chatId, "poison"));
        Refusals.CommittedText = "loud";
        var loud = await messaging.SendAsync(1, chatId, "loud"); // Its participant throws once it is committed: the send stands.

        Assert.Equal(["fine", "loud"], ParticipantCommits.Texts);
        var stored = await scope.ServiceProvider.GetRequiredService<IMessageStore>().GetBeforeAsync(chatId, null, 10, CancellationToken.None);
        Assert.Equal(["fine", "loud"], stored.Select(m => m.Text));
        Assert.Equal(loud.Message.Id, stored[^1].Id);
    }

    public async Task DisposeAsync()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(50)]
    public async Task ChatList_CostsOneRoundTrip_HoweverManyChats(int chats)
    {
        await using var scope = Services.CreateAsyncScope();
        var chatService = scope.ServiceProvider.GetRequiredService<ChatService>();
        var messaging = scope.ServiceProvider.GetRequiredService<MessagingService>();
        for (var other = 2; other < 2 + chats; other++)
        {
            var chatId = (await chatService.StartPrivateChatAsync(1, $"user{other}")).Chat.ChatId;
            await messaging.SendAsync(other, chatId, $"hello from {other}");
        }

        var store = scope.ServiceProvider.GetRequiredService<IChatStore>();
        Counter.Reset();
        var summaries = await store.GetSummariesAsync(1, ChatKind.Private, CancellationToken.None);

        Assert.Equal(1, Counter.Commands);
        Assert.Equal(chats, summaries.Count);
        Assert.All(summaries, s => Assert.Equal(1, s.Unread));
        Assert.All(summaries, s => Assert.StartsWith("hello from", s.LastMessage!.Text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConcurrentSends_AreCommittedInFewerTransactionsThanMessages()
    {
        var chatId = await CreateGroupAsync();
        var commitsBefore = Counter.Commits;

        var results = await SendConcurrentlyAsync(chatId, 300);

        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), results.Select(r => r.Message.Sequence).Order());
        Assert.True(Counter.Commits - commitsBefore < 300, $"{Counter.Commits - commitsBefore} commits for 300 messages: sends were not grouped.");
    }

    [Fact]
    public async Task ConcurrentSends_AcrossChatsAndSenders_KeepEachChatGapless_AndCountAsReadForTheirSenders()
    {
        var chatIds = new long[5];
        for (var c = 0; c < chatIds.Length; c++)
        {
            chatIds[c] = await CreateGroupAsync();
        }

        // Batches then hold several chats and several senders per chat: one statement reserves every
        // chat's sequences and one moves every sender's read position.
        await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            await using var scope = Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<MessagingService>().SendAsync(1 + (i / 5 % 4), chatIds[i % 5], $"message {i}");
        }));

        await using var reads = Services.CreateAsyncScope();
        var chats = reads.ServiceProvider.GetRequiredService<ChatService>();
        var listed = new Dictionary<(long UserId, long ChatId), long>();
        for (var userId = 1L; userId <= 4; userId++)
        {
            foreach (var item in await chats.GetChatsAsync(userId, ChatKind.Group))
            {
                listed[(userId, item.ChatId)] = item.Unread;
            }
        }

        // Read after the unread counts: opening a chat marks it read for the one who opens it.
        foreach (var chatId in chatIds)
        {
            var messages = (await chats.GetChatAsync(1, chatId, limit: 100)).Messages.Select(m => m.Message).ToList();
            Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), messages.Select(m => m.Sequence).Order());
            for (var userId = 1L; userId <= 4; userId++)
            {
                var lastOwn = messages.Where(m => m.SenderId == userId).Max(m => m.Sequence);
                Assert.Equal(messages.Count(m => m.Sequence > lastOwn), listed[(userId, chatId)]);
            }
        }
    }

    [Fact]
    public async Task FailedCommit_FailsOnlyItsSenders_WithATypedError_AndKeepsNothing()
    {
        var chatId = await CreateGroupAsync();

        // The batch and its one retry both fail.
        Counter.FailNextCommits(2);
        await using (var scope = Services.CreateAsyncScope())
        {
            var error = await Assert.ThrowsAsync<ChatException>(() =>
                scope.ServiceProvider.GetRequiredService<MessagingService>().SendAsync(1, chatId, "lost?", "cid-1"));
            Assert.Equal(ChatErrorKind.Unavailable, error.Kind);
            Assert.Equal(ChatErrorCodes.StoreUnavailable, error.Code);
        }

        await using (var scope = Services.CreateAsyncScope())
        {
            var messaging = scope.ServiceProvider.GetRequiredService<MessagingService>();
            var retried = await messaging.SendAsync(1, chatId, "lost?", "cid-1");
            var next = await messaging.SendAsync(2, chatId, "after the failure");

            Assert.True(retried.Created);
            Assert.Equal(1, retried.Message.Sequence);
            Assert.Equal(2, next.Message.Sequence);
            var history = await scope.ServiceProvider.GetRequiredService<ChatService>().GetChatAsync(1, chatId);
            Assert.Equal(["lost?", "after the failure"], history.Messages.Select(m => m.Message.Text));
        }

        // Only committed messages were broadcast: the failed send was not.
        Assert.Equal(["lost?", "after the failure"], Events.OfType<MessageCommitted>().Select(e => e.Message.Text));
    }

    [Fact]
    public async Task FailedCommit_IsRetried_AndEachMessageIsStoredOnce()
    {
        var chatId = await CreateGroupAsync();
        Counter.FailNextCommits(1);

        var results = await SendConcurrentlyAsync(chatId, 40);

        Assert.Equal(40, results.Select(r => r.Message.Id).Distinct().Count());
        await using var scope = Services.CreateAsyncScope();
        var history = await scope.ServiceProvider.GetRequiredService<ChatService>().GetChatAsync(1, chatId, limit: 200);
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), history.Messages.Select(m => m.Message.Sequence));
    }

    [Fact]
    public async Task ReadMarks_JoinTheWriteLoopsBatches_WithSendsAndEachOther_AndEachForwardMarkMovesOnce()
    {
        long chatId;
        await using (var scope = Services.CreateAsyncScope())
        {
            var members = Enumerable.Range(2, 39).Select(id => $"user{id}").ToArray();
            chatId = (await scope.ServiceProvider.GetRequiredService<GroupService>().CreateGroupAsync(1, "Readers", members)).Chat.Id;
        }

        var first = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            await using var scope = Services.CreateAsyncScope();
            return (await scope.ServiceProvider.GetRequiredService<MessagingService>().SendAsync(1, chatId, $"first {i}")).Message;
        }));
        Array.Sort(first, (a, b) => a.Sequence.CompareTo(b.Sequence));
        var commitsBefore = Counter.Commits;

        // Members 2 to 40 each mark the chat read up to one of the first messages, as clients do while
        // messages arrive, while member 1 sends 40 more. A transaction of each mark's own commits once per mark.
        var readers = Enumerable.Range(2, 39).Select(id => (User: (long)id, UpTo: first[id % 20])).ToArray();
        var marking = Task.WhenAll(readers.Select(async reader =>
        {
            await using var scope = Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<MessagingService>().MarkReadAsync(reader.User, chatId, reader.UpTo.Id);
        }));
        var sending = Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            await using var scope = Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<MessagingService>().SendAsync(1, chatId, $"more {i}");
        }));
        Assert.All(await marking, Assert.True);
        await sending;

        var commits = Counter.Commits - commitsBefore;
        Assert.True(commits < readers.Length, $"{commits} commits for {readers.Length} read marks and 40 sends: the marks were not grouped.");
        Assert.Equal(readers.Select(r => (r.User, r.UpTo.Id)).Order(), Events.OfType<MessagesRead>().Select(e => (e.Reader.Id, e.UpToMessageId)).Order());

        // A mark behind one already made moves nothing, in a batch as alone.
        var behind = await Task.WhenAll(readers.Where(r => r.UpTo.Sequence > 1).Select(async reader =>
        {
            await using var scope = Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<MessagingService>().MarkReadAsync(reader.User, chatId, first[reader.UpTo.Sequence - 2].Id);
        }));
        Assert.All(behind, Assert.False);
        Assert.Equal(readers.Length, Events.OfType<MessagesRead>().Count);

        await using var reads = Services.CreateAsyncScope();
        var chats = reads.ServiceProvider.GetRequiredService<ChatService>();
        foreach (var (user, upTo) in readers)
        {
            Assert.Equal(20 - upTo.Sequence + 40, Assert.Single(await chats.GetChatsAsync(user, ChatKind.Group)).Unread);
        }
    }

    [Fact]
    public async Task AStoreMadeOverAContext_WithoutTheWriteLoop_MarksReadInATransactionOfItsOwn()
    {
        var chatId = await CreateGroupAsync();
        var sent = await SendConcurrentlyAsync(chatId, 4);
        var (second, third) = (sent.Single(s => s.Message.Sequence == 2).Message, sent.Single(s => s.Message.Sequence == 3).Message);
        await using var scope = Services.CreateAsyncScope();
        var store = new EntityFrameworkChatStore<TContext>(scope.ServiceProvider.GetRequiredService<TContext>());
        var at = DateTimeOffset.UnixEpoch.AddDays(1);

        Assert.True(await store.MarkReadAsync(chatId, 1, third.Sequence, at, CancellationToken.None));
        Assert.False(await store.MarkReadAsync(chatId, 1, second.Sequence, at, CancellationToken.None));
        Assert.False(await store.MarkReadAsync(chatId, 1, third.Sequence, at, CancellationToken.None));

        var mark = Assert.Single(await store.GetReadMarksAsync(chatId, 1, 4, CancellationToken.None), m => m.UserId == 1);
        Assert.Equal((third.Sequence, at), (mark.UpToSequence, mark.ReadAt));
    }

    /// <summary>
    /// A member's marks that reach one batch (a client marking again while the last mark commits) are
    /// applied in their order: each moves only beyond the member's last mark and every earlier one of
    /// the batch, and only those that moved are logged.
    /// </summary>
    [Fact]
    public async Task ReadMarksOfOneMemberInOneBatch_MoveInTheirOrder_EachOnlyBeyondAllBefore()
    {
        var chatId = await CreateGroupAsync();
        for (var i = 1; i <= 5; i++)
        {
            await SendAsync(chatId, $"client-{i}", $"message {i}"); // Sequences 1 to 5, all from user 1.
        }

        var writer = Services.GetRequiredService<GroupCommitWriter<TContext>>();
        var at = DateTimeOffset.UnixEpoch.AddDays(1);
        Assert.True(await writer.MarkReadAsync(chatId, 3, 2, at, CancellationToken.None));

        WriteLoopHold.Text = "hold";
        Task held;
        Task<bool>[] marks;
        try
        {
            held = SendAsync(chatId, "hold-client", "hold");
            await WriteLoopHold.Entered.WaitAsync(TimeSpan.FromSeconds(30));
            var commitsBefore = Counter.Commits;
            marks =
            [
                writer.MarkReadAsync(chatId, 2, 3, at, CancellationToken.None),
                writer.MarkReadAsync(chatId, 3, 1, at, CancellationToken.None), // behind the stored mark
                writer.MarkReadAsync(chatId, 2, 2, at, CancellationToken.None), // behind the batch's earlier one
                writer.MarkReadAsync(chatId, 3, 4, at, CancellationToken.None),
                writer.MarkReadAsync(chatId, 2, 5, at, CancellationToken.None),
                writer.MarkReadAsync(chatId, 2, 4, at, CancellationToken.None),
                writer.MarkReadAsync(chatId, 2, 5, at, CancellationToken.None), // the same as one before
                writer.MarkReadAsync(chatId, 9, 5, at, CancellationToken.None), // not a member
            ];
            Assert.All(marks, mark => Assert.False(mark.IsCompleted));
            WriteLoopHold.Release();
            await held;
            var moved = await Task.WhenAll(marks);
            Assert.Equal([true, false, false, true, true, false, false, false], moved);
            Assert.Equal(2, Counter.Commits - commitsBefore); // The held batch, then the marks' together.
        }
        finally
        {
            WriteLoopHold.Release(); // A failed run must not leave the write loop held: the provider could not stop.
        }

        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var logged = await db.Set<ReadMarkEntity>().Where(m => m.ChatId == chatId).OrderBy(m => m.UserId).ThenBy(m => m.UpToSequence)
            .Select(m => new { m.UserId, m.UpToSequence }).ToListAsync();
        Assert.Equal([(2L, 3L), (2, 5), (3, 2), (3, 4)], logged.Select(m => (m.UserId, m.UpToSequence)));
        var positions = await db.Set<ChatMemberEntity>().Where(m => m.ChatId == chatId && (m.UserId == 2 || m.UserId == 3)).OrderBy(m => m.UserId)
            .Select(m => new { m.LastMarkedSequence, m.LastReadSequence }).ToListAsync();
        Assert.Equal([(5L, 5L), (4, 4)], positions.Select(p => (p.LastMarkedSequence, p.LastReadSequence)));
    }

    [Fact]
    public async Task AReadMarkWhoseBatchFailsToCommit_FailsWithATypedError_AndMovesNothing()
    {
        var chatId = await CreateGroupAsync();
        var message = (await SendConcurrentlyAsync(chatId, 1))[0].Message;

        // The batch and its one retry both fail.
        Counter.FailNextCommits(2);
        await using (var scope = Services.CreateAsyncScope())
        {
            var error = await Assert.ThrowsAsync<ChatException>(() =>
                scope.ServiceProvider.GetRequiredService<MessagingService>().MarkReadAsync(2, chatId, message.Id));
            Assert.Equal((ChatErrorKind.Unavailable, ChatErrorCodes.StoreUnavailable), (error.Kind, error.Code));
        }

        Assert.Empty(Events.OfType<MessagesRead>());
        await using (var scope = Services.CreateAsyncScope())
        {
            var chats = scope.ServiceProvider.GetRequiredService<ChatService>();
            Assert.Equal(1, Assert.Single(await chats.GetChatsAsync(2, ChatKind.Group)).Unread);
            Assert.True(await scope.ServiceProvider.GetRequiredService<MessagingService>().MarkReadAsync(2, chatId, message.Id));
            Assert.Equal(0, Assert.Single(await chats.GetChatsAsync(2, ChatKind.Group)).Unread);
        }

        Assert.Single(Events.OfType<MessagesRead>());
    }

    [Fact]
    public async Task ARowTheDatabaseRefuses_FailsOnlyItsOwnSend_AndTheRestOfItsBatchCommits()
    {
        var chatId = await CreateGroupAsync();
        await using (var scope = Services.CreateAsyncScope())
        {
            // A real refusal by the database, for one text, standing in for any row it cannot store.
            await RefusePoisonAsync(scope.ServiceProvider.GetRequiredService<TContext>());
        }

        var sends = Enumerable.Range(0, 200).Select(async i =>
        {
            await using var scope = Services.CreateAsyncScope();
            var text = i == 100 ? "poison" : $"message {i}";
            try
            {
                return (Text: text, Error: (ChatException?)null, Sent: await scope.ServiceProvider.GetRequiredService<MessagingService>().SendAsync(1 + (i % 4), chatId, text));
            }
            catch (ChatException error)
            {
                return (Text: text, Error: error, Sent: (SentMessage?)null);
            }
        }).ToArray();
        var results = await Task.WhenAll(sends);

        var failed = Assert.Single(results, r => r.Error is not null);
        Assert.Equal(("poison", ChatErrorCodes.StoreUnavailable), (failed.Text, failed.Error!.Code));
        Assert.Equal(Enumerable.Range(1, 199).Select(i => (long)i), results.Where(r => r.Sent is not null).Select(r => r.Sent!.Message.Sequence).Order());
        await using var reads = Services.CreateAsyncScope();
        var history = await reads.ServiceProvider.GetRequiredService<ChatService>().GetChatAsync(1, chatId, limit: 200);
        Assert.Equal(199, history.Messages.Count);
        Assert.DoesNotContain(history.Messages, m => m.Message.Text == "poison");
    }

    [Fact]
    public async Task TextWithAControlCharacter_IsRefusedBeforeQueueing_AndOthersSendersAreUnaffected()
    {
        var chatId = await CreateGroupAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            await using var scope = Services.CreateAsyncScope();
            var messaging = scope.ServiceProvider.GetRequiredService<MessagingService>();
            if (i == 25)
            {
                var error = await Assert.ThrowsAsync<ChatException>(() => messaging.SendAsync(2, chatId, "nul \0 inside"));
                return error.Code;
            }

            return (await messaging.SendAsync(1, chatId, $"message {i}")).Message.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }));

        Assert.Equal(ChatErrorCodes.InvalidText, results[25]);
        Assert.Equal(49, results.Count(r => r != ChatErrorCodes.InvalidText));
    }

    /// <summary>Makes the database refuse to insert a message whose text is "poison".</summary>
    protected abstract Task RefusePoisonAsync(TContext db);

    [Fact]
    public async Task ClientIdRetries_AcrossAndWithinBatches_StoreOneMessage()
    {
        var chatId = await CreateGroupAsync();
        var first = await SendAsync(chatId, "k");
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => SendAsync(chatId, "k2")));
        var later = await SendAsync(chatId, "k2");

        Assert.False((await SendAsync(chatId, "k")).Created);
        Assert.Equal(first.Message.Id, (await SendAsync(chatId, "k")).Message.Id);
        Assert.Single(concurrent.Select(r => r.Message.Id).Distinct());
        Assert.Single(concurrent, r => r.Created);
        Assert.Equal(concurrent[0].Message.Id, later.Message.Id);

        await using var scope = Services.CreateAsyncScope();
        var history = await scope.ServiceProvider.GetRequiredService<ChatService>().GetChatAsync(1, chatId);
        Assert.Equal(2, history.Messages.Count);
    }

    [Fact]
    public async Task AStoredMessage_ReadsBackAsItsSendWasAnswered_AndARepeatOfItsClientIdGetsItBack()
    {
        var chatId = await CreateGroupAsync();
        await using var scope = Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IMessageStore>();
        var first = await store.AppendAsync(new MessageDraft { ChatId = chatId, SenderId = 1, Text = "first", SentAt = DateTimeOffset.UtcNow }, CancellationToken.None);

        // Every column the send path writes, a time below the millisecond included (to the microsecond, as PostgreSQL keeps it).
        var sentAt = new DateTimeOffset(2026, 12, 2, 10, 11, 12, TimeSpan.Zero).AddTicks(3_456_780);
        var draft = new MessageDraft { ChatId = chatId, SenderId = 2, Text = "Zebras at noon", SentAt = sentAt, ClientId = "c-1", ReplyToId = first.Message.Id, MentionIds = [1, 3] };
        var sent = await store.AppendAsync(draft, CancellationToken.None);
        var repeat = await store.AppendAsync(draft with { SentAt = sentAt.AddMinutes(1) }, CancellationToken.None);
        var read = await store.FindByIdAsync(sent.Message.Id, CancellationToken.None);

        Assert.True(sent.Created);
        Assert.False(repeat.Created);
        foreach (var message in new[] { sent.Message, repeat.Message, read! })
        {
            Assert.Equal((chatId, 2L, 2L, "Zebras at noon", sentAt), (message.ChatId, message.SenderId, message.Sequence, message.Text, message.SentAt));
            Assert.Equal((sent.Message.Id, first.Message.Seq + 1, "c-1", (long?)first.Message.Id), (message.Id, message.Seq, message.ClientId, message.ReplyToId));
            Assert.Equal([1L, 3L], message.MentionIds);
        }

        var hits = await scope.ServiceProvider.GetRequiredService<ISearchIndex>().SearchAsync(
            new MessageSearchQuery { UserId = 3, Terms = [new MessageSearchTerm(["zebras"], Prefix: false)], Limit = 10 }, CancellationToken.None);
        Assert.Equal(sent.Message.Id, Assert.Single(hits).MessageId);
    }

    [Fact]
    public async Task SendToAChatDeletedMeanwhile_FailsThatSendOnly()
    {
        var doomed = await CreateGroupAsync();
        var other = await CreateGroupAsync();
        await using var scope = Services.CreateAsyncScope();
        var writer = scope.ServiceProvider.GetRequiredService<IMessageStore>();
        await scope.ServiceProvider.GetRequiredService<IChatStore>().DeleteAsync(doomed, CancellationToken.None);

        var now = DateTimeOffset.UtcNow;
        var lost = writer.AppendAsync(new MessageDraft { ChatId = doomed, SenderId = 1, Text = "into the void", SentAt = now }, CancellationToken.None);
        var kept = writer.AppendAsync(new MessageDraft { ChatId = other, SenderId = 1, Text = "still here", SentAt = now }, CancellationToken.None);

        var error = await Assert.ThrowsAsync<ChatException>(() => lost);
        Assert.Equal(ChatErrorKind.NotFound, error.Kind);
        Assert.Equal("still here", (await kept).Message.Text);
    }

    [Fact]
    public async Task Outbox_EachDeliveryGoesToOneOfRacingClaimers_ALapsedLeaseLetsItGo_AndOutcomesAreRecordedTogether()
    {
        var now = DateTimeOffset.UtcNow;
        await using (var scope = Services.CreateAsyncScope())
        {
            var deliveries = Enumerable.Range(0, 40).Select(i => new OutboxMessage
            {
                Kind = "test", DeliveryId = $"d{Guid.NewGuid():N}", Target = "t", Payload = $"{{\"n\":{i}}}", CreatedAt = now, DueAt = now,
            }).ToArray();
            await scope.ServiceProvider.GetRequiredService<IChatOutboxStore>().AddAsync(deliveries, CancellationToken.None);
        }

        // Four hosts' workers claim at once: every delivery goes to exactly one of them.
        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            await using var scope = Services.CreateAsyncScope();
            var outbox = scope.ServiceProvider.GetRequiredService<IChatOutboxStore>();
            var mine = new List<OutboxMessage>();
            IReadOnlyList<OutboxMessage> batch;
            while ((batch = await outbox.ClaimDueAsync("test", now, now.AddSeconds(30), 7, CancellationToken.None)).Count > 0)
            {
                mine.AddRange(batch);
            }

            return mine;
        }));
        var claimed = claims.SelectMany(c => c).ToList();
        Assert.Equal(40, claimed.Count);
        Assert.Equal(40, claimed.Select(c => c.Id).Distinct().Count());
        Assert.All(claimed, c => Assert.Equal(1, c.Attempts)); // Each claim counts its attempt.

        await using var later = Services.CreateAsyncScope();
        var store = later.ServiceProvider.GetRequiredService<IChatOutboxStore>();
        await store.CompleteAsync(
            [
                claimed[0] with { State = OutboxState.Delivered, DeliveredAt = now, Body = "{}" },
                claimed[1] with { DueAt = now.AddSeconds(100), LastError = "HTTP 503" },
            ],
            CancellationToken.None);
        Assert.Empty(await store.ClaimDueAsync("test", now.AddSeconds(10), now.AddSeconds(40), 100, CancellationToken.None));

        // The host holding the rest died: once their lease lapses, another takes them, ids unchanged;
        // the one due again waits for its time, its lease ended.
        var retaken = await store.ClaimDueAsync("test", now.AddSeconds(31), now.AddSeconds(60), 100, CancellationToken.None);
        Assert.Equal(38, retaken.Count);
        Assert.Equal(claimed.Skip(2).Select(c => c.DeliveryId).Order(), retaken.Select(c => c.DeliveryId).Order());
        Assert.All(retaken, c => Assert.Equal(2, c.Attempts)); // The dead host's attempt counts.
        var log = await store.GetRecentAsync("test", 100, CancellationToken.None);
        var retried = Assert.Single(log, m => m.Id == claimed[1].Id);
        Assert.Equal((OutboxState.Pending, 1, "HTTP 503"), (retried.State, retried.Attempts, retried.LastError));
        Assert.Equal(now.AddSeconds(100), retried.DueAt, TimeSpan.FromMilliseconds(1));
        Assert.Equal(OutboxState.Delivered, Assert.Single(log, m => m.Id == claimed[0].Id).State);
        Assert.Equal(log.Select(m => m.Id).OrderDescending(), log.Select(m => m.Id));
    }

    [Fact]
    public async Task Outbox_HostsThatBothSentADelivery_CountTwoAttempts_AndTheLateOutcomeOfTheReplacedClaim_IsDropped()
    {
        var now = DateTimeOffset.UtcNow;
        var deliveryId = $"d{Guid.NewGuid():N}";
        var laterId = $"d{Guid.NewGuid():N}";
        await using (var scope = Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IChatOutboxStore>().AddAsync(
                [
                    new OutboxMessage { Kind = "outlived", DeliveryId = deliveryId, Target = "t", Payload = "{}", CreatedAt = now, DueAt = now },
                    new OutboxMessage { Kind = "outlived", DeliveryId = laterId, Target = "t", Payload = "{}", CreatedAt = now, DueAt = now.AddSeconds(6) },
                ],
                CancellationToken.None);
        }

        // A slow host claims the first and sends it; its lease lapses before it records the answer, so a
        // second host claims it and sends it too. Each claim counted its own attempt.
        await using var slowHost = Services.CreateAsyncScope();
        await using var otherHost = Services.CreateAsyncScope();
        var slowStore = slowHost.ServiceProvider.GetRequiredService<IChatOutboxStore>();
        var slow = Assert.Single(await slowStore.ClaimDueAsync("outlived", now, now.AddSeconds(5), 10, CancellationToken.None));
        var other = Assert.Single(await otherHost.ServiceProvider.GetRequiredService<IChatOutboxStore>().ClaimDueAsync("outlived", now.AddSeconds(6), now.AddSeconds(11), 1, CancellationToken.None));
        Assert.Equal((deliveryId, 1, deliveryId, 2), (slow.DeliveryId, slow.Attempts, other.DeliveryId, other.Attempts));
        var later = Assert.Single(await slowStore.ClaimDueAsync("outlived", now.AddSeconds(6), now.AddSeconds(11), 10, CancellationToken.None));
        Assert.Equal((laterId, 1), (later.DeliveryId, later.Attempts));

        // The second host records its success; then the slow host records a failure for its replaced
        // claim, together with the outcome of a claim it still holds. The stale outcome is dropped (the
        // delivery stays delivered, with both sends counted); the other is recorded.
        await otherHost.ServiceProvider.GetRequiredService<IChatOutboxStore>().CompleteAsync(
            [other with { State = OutboxState.Delivered, DeliveredAt = now.AddSeconds(7), Body = "{}" }], CancellationToken.None);
        await slowStore.CompleteAsync(
            [
                slow with { DueAt = now.AddSeconds(20), LastError = "No answer within 2 s.", Body = "{}" },
                later with { State = OutboxState.Delivered, DeliveredAt = now.AddSeconds(8), Body = "{}" },
            ],
            CancellationToken.None);

        await using var reader = Services.CreateAsyncScope();
        var stored = await reader.ServiceProvider.GetRequiredService<IChatOutboxStore>().GetRecentAsync("outlived", 10, CancellationToken.None);
        var both = Assert.Single(stored, m => m.DeliveryId == deliveryId);
        Assert.Equal((OutboxState.Delivered, 2, null), (both.State, both.Attempts, both.LastError));
        var alone = Assert.Single(stored, m => m.DeliveryId == laterId);
        Assert.Equal((OutboxState.Delivered, 1), (alone.State, alone.Attempts));
        Assert.Empty(await reader.ServiceProvider.GetRequiredService<IChatOutboxStore>().ClaimDueAsync("outlived", now.AddMinutes(5), now.AddMinutes(6), 10, CancellationToken.None));
    }

    [Fact]
    public async Task Outbox_AClaimHandedBack_IsFreeAtOnceAndUncounted_UnlessItWasRecordedOrClaimedAgainMeanwhile()
    {
        var now = DateTimeOffset.UtcNow;
        await using var stopping = Services.CreateAsyncScope();
        await using var otherHost = Services.CreateAsyncScope();
        var store = stopping.ServiceProvider.GetRequiredService<IChatOutboxStore>();
        var other = otherHost.ServiceProvider.GetRequiredService<IChatOutboxStore>();
        var ids = new[] { "a", "b", "c" }.ToDictionary(name => name, _ => $"d{Guid.NewGuid():N}");
        await store.AddAsync(ids.Values.Select(id => new OutboxMessage { Kind = "handed-back", DeliveryId = id, Target = "t", Payload = "{}", CreatedAt = now, DueAt = now }).ToArray(), CancellationToken.None);
        var claimed = (await store.ClaimDueAsync("handed-back", now, now.AddSeconds(5), 10, CancellationToken.None)).ToDictionary(m => m.DeliveryId);
        var (a, b, c) = (claimed[ids["a"]], claimed[ids["b"]], claimed[ids["c"]]);
        Assert.All(claimed.Values, m => Assert.Equal(1, m.Attempts));

        // The host stops before attempting a: another host may take it at once, its first attempt.
        await store.ReleaseAsync([a], CancellationToken.None);
        var retaken = Assert.Single(await other.ClaimDueAsync("handed-back", now.AddSeconds(1), now.AddSeconds(60), 10, CancellationToken.None));
        Assert.Equal((ids["a"], 1), (retaken.DeliveryId, retaken.Attempts));

        // b was delivered and c's lease ran out and another host took it: handing them back changes
        // neither (b stays delivered, c stays the other host's).
        await store.CompleteAsync([b with { State = OutboxState.Delivered, DeliveredAt = now, Body = "{}" }], CancellationToken.None);
        var otherC = Assert.Single(await other.ClaimDueAsync("handed-back", now.AddSeconds(6), now.AddSeconds(60), 10, CancellationToken.None));
        Assert.Equal((ids["c"], 2), (otherC.DeliveryId, otherC.Attempts));
        await store.ReleaseAsync([b, c], CancellationToken.None);

        Assert.Empty(await other.ClaimDueAsync("handed-back", now.AddSeconds(7), now.AddSeconds(60), 10, CancellationToken.None));
        await using var reader = Services.CreateAsyncScope();
        var stored = (await reader.ServiceProvider.GetRequiredService<IChatOutboxStore>().GetRecentAsync("handed-back", 10, CancellationToken.None)).ToDictionary(m => m.DeliveryId);
        Assert.Equal((OutboxState.Pending, 1), (stored[ids["a"]].State, stored[ids["a"]].Attempts));
        Assert.Equal((OutboxState.Delivered, 1), (stored[ids["b"]].State, stored[ids["b"]].Attempts));
        Assert.Equal((OutboxState.Pending, 2), (stored[ids["c"]].State, stored[ids["c"]].Attempts));
    }

    [Fact]
    public async Task Outbox_AnOutcomeRecordedInTheScopeThatAddedTheDelivery_IsStored()
    {
        var now = DateTimeOffset.UtcNow;
        await using var scope = Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IChatOutboxStore>();
        await store.AddAsync([new OutboxMessage { Kind = "same-scope", DeliveryId = $"d{Guid.NewGuid():N}", Target = "t", Payload = "{}", CreatedAt = now, DueAt = now }], CancellationToken.None);
        var claimed = Assert.Single(await store.ClaimDueAsync("same-scope", now, now.AddSeconds(30), 10, CancellationToken.None));

        await store.CompleteAsync([claimed with { State = OutboxState.Delivered, DeliveredAt = now, Payload = "{\"moved\":true}" }], CancellationToken.None);

        await using var later = Services.CreateAsyncScope();
        var stored = Assert.Single(await later.ServiceProvider.GetRequiredService<IChatOutboxStore>().GetRecentAsync("same-scope", 10, CancellationToken.None));
        Assert.Equal((OutboxState.Delivered, 1, "{\"moved\":true}", claimed.DeliveryId), (stored.State, stored.Attempts, stored.Payload, stored.DeliveryId));
        Assert.Empty(await later.ServiceProvider.GetRequiredService<IChatOutboxStore>().ClaimDueAsync("same-scope", now.AddMinutes(5), now.AddMinutes(6), 10, CancellationToken.None));
    }

    [Fact]
    public async Task Model_HasNoChangesMissingFromTheMigrations()
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        Assert.False(db.Database.HasPendingModelChanges(), "The model changed: add a migration for both providers (see README).");
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    protected async Task<long> CreateGroupAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        var group = await scope.ServiceProvider.GetRequiredService<GroupService>().CreateGroupAsync(1, "Team", ["user2", "user3", "user4"]);
        return group.Chat.Id;
    }

    private Task<SentMessage[]> SendConcurrentlyAsync(long chatId, int count) =>
        Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await using var scope = Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<MessagingService>().SendAsync(1 + (i % 4), chatId, $"message {i}");
        }));

    protected async Task<SentMessage> SendAsync(long chatId, string clientId, string text = "same text")
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<MessagingService>().SendAsync(1, chatId, text, clientId);
    }
}

public sealed class SqliteStoreTests : EntityFrameworkStoreTests<SqliteChatDbContext>
{
    protected override Task<ITestDatabase> CreateDatabaseAsync() => Task.FromResult<ITestDatabase>(new SqliteTestDatabase());

    protected override Task RefusePoisonAsync(SqliteChatDbContext db) => db.Database.ExecuteSqlRawAsync("""
        CREATE TRIGGER refuse_text BEFORE INSERT ON "ChatEngineMessages" WHEN NEW."Text" = 'poison'
        BEGIN SELECT RAISE(ABORT, 'refused row'); END;
        """);

    /// <summary>
    /// SQLite drops the messages' foreign key by copying their table, which would start the ids' count
    /// over from the highest id left: a message id must never be given twice, even after the newest
    /// messages went with their chat.
    /// </summary>
    [Fact]
    public async Task DroppingTheMessagesForeignKey_KeepsTheirRows_AndNeverGivesAnIdAgain()
    {
        await using var database = new SqliteTestDatabase();
        await using var db = new SqliteChatDbContext(new DbContextOptionsBuilder<SqliteChatDbContext>().UseSqlite(database.ConnectionString).Options);
        var migrator = db.GetService<IMigrator>();
        var migrations = db.Database.GetMigrations().ToList();
        await migrator.MigrateAsync(migrations[migrations.FindIndex(m => m.EndsWith("_MessagesWithoutChatForeignKey", StringComparison.Ordinal)) - 1]);
        await db.Database.ExecuteSqlRawAsync("""
            INSERT INTO "ChatEngineChats" ("Id", "Kind", "Name", "CreatedAt", "LastSequence", "Seq") VALUES (1, 1, 'kept', '2026-01-01 00:00:00', 2, 2), (2, 1, 'deleted', '2026-01-01 00:00:00', 1, 1);
            INSERT INTO "ChatEngineMessages" ("ChatId", "Sequence", "Seq", "SenderId", "Text", "SentAt", "Deleted", "AttachmentCount")
            VALUES (1, 1, 1, 1, 'one', '2026-01-01 00:00:00', 0, 0), (1, 2, 2, 1, 'two', '2026-01-01 00:00:00', 0, 0), (2, 1, 1, 1, 'gone', '2026-01-01 00:00:00', 0, 0);
            DELETE FROM "ChatEngineChats" WHERE "Id" = 2;
            """);
        Assert.Equal(2, await db.Database.SqlQueryRaw<long>("""SELECT COUNT(*) AS "Value" FROM "ChatEngineMessages" """).SingleAsync()); // The key's cascade.

        await migrator.MigrateAsync();

        Assert.Empty(await db.Database.SqlQueryRaw<long>("""SELECT 1 AS "Value" FROM pragma_foreign_key_list('ChatEngineMessages')""").ToListAsync());
        Assert.Equal(["one", "two"], await db.Database.SqlQueryRaw<string>("""SELECT "Text" AS "Value" FROM "ChatEngineMessages" ORDER BY "Id" """).ToListAsync());
        Assert.Equal(0, await db.Database.SqlQueryRaw<long>("""SELECT COUNT(*) AS "Value" FROM sqlite_master WHERE name LIKE 'ef_keep%'""").SingleAsync());
        await db.Database.ExecuteSqlRawAsync("""
            INSERT INTO "ChatEngineMessages" ("ChatId", "Sequence", "Seq", "SenderId", "Text", "SentAt", "Deleted", "AttachmentCount")
            VALUES (1, 3, 3, 1, 'three', '2026-01-01 00:00:00', 0, 0)
            """);
        Assert.Equal(4, await db.Database.SqlQueryRaw<long>("""SELECT "Id" AS "Value" FROM "ChatEngineMessages" WHERE "Text" = 'three'""").SingleAsync());
    }

    [Fact]
    public async Task TheSendPath_StoresTimesInEfCoresTextForm_SoQueriesCompareThemAsText()
    {
        var chatId = await CreateGroupAsync();
        await using var scope = Services.CreateAsyncScope();
        var sentAt = new DateTimeOffset(2026, 12, 2, 10, 11, 12, TimeSpan.Zero).AddTicks(3_456_789);
        var sent = await scope.ServiceProvider.GetRequiredService<IMessageStore>().AppendAsync(
            new MessageDraft { ChatId = chatId, SenderId = 1, Text = "when", SentAt = sentAt }, CancellationToken.None);

        var db = scope.ServiceProvider.GetRequiredService<SqliteChatDbContext>();
        var stored = await db.Database.SqlQuery<string>($"""SELECT "SentAt" AS "Value" FROM "ChatEngineMessages" WHERE "Id" = {sent.Message.Id}""").SingleAsync();
        Assert.Equal("2026-12-02 10:11:12.3456789", stored);
    }

    [Fact]
    public async Task MessageBatches_AreWrittenOnTheWriteLoopsOwnThread_NeverOnTheThreadPool()
    {
        var chatId = await CreateGroupAsync();
        await using var scope = Services.CreateAsyncScope();
        var messaging = scope.ServiceProvider.GetRequiredService<MessagingService>();
        for (var i = 0; i < 5; i++)
        {
            await messaging.SendAsync(1, chatId, $"thread-{i}");
        }

        // Each SQLite batch blocks its thread for the commit's fsync: on the pool's few threads, that
        // held back the sockets' work. The participant runs inside the batch, on the batch's thread.
        Assert.Equal(5, ParticipantThreads.MessageBatchesOnThreadPool.Count);
        Assert.DoesNotContain(true, ParticipantThreads.MessageBatchesOnThreadPool);
        // Named, so the load test (and top, perf or a debugger) can tell its time from the pool's.
        Assert.All(ParticipantThreads.MessageBatchThreadNames, name => Assert.Equal("Chat write loop", name));
    }

    [Fact]
    public async Task TheWriteAheadLog_IsCopiedIntoTheDatabase_BesideTheWriteLoop()
    {
        await using var scope = Services.CreateAsyncScope();
        var messaging = scope.ServiceProvider.GetRequiredService<MessagingService>();
        var chatId = (await scope.ServiceProvider.GetRequiredService<GroupService>().CreateGroupAsync(1, "WAL", ["user2"])).Chat.Id;
        for (var i = 0; i < 20; i++)
        {
            await messaging.SendAsync(1, chatId, $"wal-{i}");
        }

        // The database file alone (immutable: SQLite reads no write-ahead log) gets the messages once a
        // checkpoint copied them; the write loop's own connection never does. Later sends start later
        // checkpoints (at most a few a second), so keep sending until the first twenty are in the file.
        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(
            scope.ServiceProvider.GetRequiredService<SqliteChatDbContext>().Database.GetConnectionString()).DataSource;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await CountInDatabaseFileAsync(file) < 20)
        {
            Assert.True(DateTime.UtcNow < deadline, "No checkpoint copied the messages into the database file.");
            await messaging.SendAsync(2, chatId, "later");
        }
    }

    [Fact]
    public async Task ASearchIndexWithoutPrefixIndexes_IsMadeAgain_AndFilledWithTheMessagesBeforeIt()
    {
        var chatId = await CreateGroupAsync();
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<MessagingService>().SendAsync(1, chatId, "quarterly figures attached");
        var db = scope.ServiceProvider.GetRequiredService<SqliteChatDbContext>();

        // The index as an earlier build made it, and empty: as a process of this build first finds it.
        await db.Database.ExecuteSqlRawAsync("""
            DROP TABLE "ChatEngineSearch";
            CREATE VIRTUAL TABLE "ChatEngineSearch" USING fts5("Text", content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0');
            """);
        SearchIndexSql.Forget(db.Database.GetConnectionString()!);

        var page = await scope.ServiceProvider.GetRequiredService<MessageSearch>().SearchAsync(2, new MessageSearchRequest("figures quar"));
        Assert.Equal("quarterly figures attached", Assert.Single(page.Results).Hit.Text);
        var definition = await db.Database.SqlQueryRaw<string>("""SELECT sql AS "Value" FROM sqlite_master WHERE name = 'ChatEngineSearch'""").SingleAsync();
        Assert.Contains("prefix='3'", definition, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSearchIndex_MergesSixteenSegmentsAtATime_AndAnEarlierBuildsIndexIsSetSoToo()
    {
        var chatId = await CreateGroupAsync();
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<MessagingService>().SendAsync(1, chatId, "quarterly figures attached");
        var db = scope.ServiceProvider.GetRequiredService<SqliteChatDbContext>();
        Assert.Equal(("16", "64"), await MergeSettingsAsync(db));

        // FTS5's defaults, as an index made by an earlier build has them.
        await db.Database.ExecuteSqlRawAsync("""
            INSERT INTO "ChatEngineSearch" ("ChatEngineSearch", rank) VALUES ('automerge', 4);
            INSERT INTO "ChatEngineSearch" ("ChatEngineSearch", rank) VALUES ('crisismerge', 16);
            """);
        SearchIndexSql.Forget(db.Database.GetConnectionString()!);

        var page = await scope.ServiceProvider.GetRequiredService<MessageSearch>().SearchAsync(2, new MessageSearchRequest("figures quar"));
        Assert.Equal("quarterly figures attached", Assert.Single(page.Results).Hit.Text);
        Assert.Equal(("16", "64"), await MergeSettingsAsync(db));
    }

    private static async Task<(string? Automerge, string? Crisismerge)> MergeSettingsAsync(DbContext db)
    {
        var settings = await db.Database.SqlQueryRaw<string>("""SELECT k || '=' || v AS "Value" FROM "ChatEngineSearch_config" """).ToListAsync();
        string? Setting(string name) => settings.FirstOrDefault(s => s.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..];
        return (Setting("automerge"), Setting("crisismerge"));
    }

    private static async Task<long> CountInDatabaseFileAsync(string file)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source=file:{file}?immutable=1;Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """SELECT count(*) FROM "ChatEngineMessages" WHERE "Text" LIKE 'wal-%'""";
        try
        {
            return (long)(await command.ExecuteScalarAsync())!;
        }
        catch (Microsoft.Data.Sqlite.SqliteException error) when (error.SqliteErrorCode == 1)
        {
            return 0; // Not even the tables are in the file yet: they too are in the log.
        }
        catch (Microsoft.Data.Sqlite.SqliteException error) when (error.SqliteErrorCode == 11)
        {
            return 0; // Read as immutable while a checkpoint was writing it: a torn read, so look again.
        }
    }

    [Fact]
    public async Task Migration_TurnsOnWriteAheadLogging()
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SqliteChatDbContext>();
        var mode = await db.Database.SqlQueryRaw<string>("PRAGMA journal_mode").ToListAsync();
        Assert.Equal("wal", Assert.Single(mode));
    }
}

/// <summary>What <see cref="OutboxParticipant{TContext}"/> refuses, as a test sets it.</summary>
public sealed class ParticipantRefusals
{
    public string? Text { get; set; }

    public long? MemberId { get; set; }

    /// <summary>A message whose participant throws once it has committed.</summary>
    public string? CommittedText { get; set; }
}

/// <summary>
/// Holds the write loop inside the batch of the message with <see cref="Text"/> until released
/// (failure injection: a slow commit), so that what is queued meanwhile makes the next batch together.
/// </summary>
public sealed class WriteLoopHold
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string? Text { get; set; }

    public Task Entered => _entered.Task;

    public void Release() => _released.TrySetResult();

    public Task HoldAsync()
    {
        _entered.TrySetResult();
        return _released.Task;
    }
}

/// <summary>The messages <see cref="OutboxParticipant{TContext}"/> heard were committed, in order.</summary>
public sealed class ParticipantCommits
{
    private readonly ConcurrentQueue<string> _texts = new();

    public IReadOnlyList<string> Texts => [.. _texts];

    public void Add(string text) => _texts.Enqueue(text);
}

/// <summary>Whether each batch of messages reached <see cref="OutboxParticipant{TContext}"/> on a thread-pool thread.</summary>
public sealed class ParticipantThreads
{
    public ConcurrentQueue<bool> MessageBatchesOnThreadPool { get; } = new();

    /// <summary>The name the operating system gives each message batch's thread (what tools that list threads show).</summary>
    public ConcurrentQueue<string> MessageBatchThreadNames { get; } = new();
}

/// <summary>Writes an outbox row per change through the scope's context, then refuses what the test says.</summary>
public sealed class OutboxParticipant<TContext>(TContext db, ParticipantRefusals refusals, ParticipantThreads threads, ParticipantCommits commits, WriteLoopHold hold) : IChatChangeParticipant
    where TContext : DbContext
{
    public void OnCommitted(IReadOnlyList<ChatLogEntry> changes)
    {
        foreach (var message in changes.Select(c => c.Message).OfType<ChatMessage>())
        {
            commits.Add(message.Text);
            if (message.Text == refusals.CommittedText)
            {
                throw new InvalidOperationException("The participant failed after the commit.");
            }
        }
    }

    public async Task OnCommittingAsync(IReadOnlyList<ChatLogEntry> changes, CancellationToken cancellationToken)
    {
        if (changes.Any(change => change.Message is not null))
        {
            threads.MessageBatchesOnThreadPool.Enqueue(Thread.CurrentThread.IsThreadPoolThread);
            threads.MessageBatchThreadNames.Enqueue(File.ReadAllText("/proc/thread-self/comm").TrimEnd('\n'));
        }

        if (changes.Any(change => change.Message?.Text is { } text && text == hold.Text))
        {
            await hold.HoldAsync();
        }

        foreach (var change in changes)
        {
            var chatId = change.Message?.ChatId ?? change.Change!.ChatId;
            await db.Database.ExecuteSqlRawAsync("""INSERT INTO "TestOutbox" ("ChatId", "Seq") VALUES ({0}, {1})""", [chatId, change.Seq], cancellationToken);
            if ((refusals.Text is { } text && change.Message?.Text == text)
                || (refusals.MemberId is { } member && change.Change?.Members.Any(m => m.UserId == member) == true))
            {
                throw new InvalidOperationException("The participant refused this change.");
            }
        }
    }
}

public sealed class PostgreSqlStoreTests : EntityFrameworkStoreTests<PostgreSqlChatDbContext>
{
    protected override async Task<ITestDatabase> CreateDatabaseAsync() => await PostgreSqlTestDatabase.CreateAsync();

    protected override Task RefusePoisonAsync(PostgreSqlChatDbContext db) => db.Database.ExecuteSqlRawAsync("""
        CREATE FUNCTION refuse_text() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW."Text" = 'poison' THEN RAISE EXCEPTION 'refused row'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER refuse_text BEFORE INSERT ON "ChatEngineMessages" FOR EACH ROW EXECUTE FUNCTION refuse_text();
        """);

    /// <summary>
    /// Messages have no foreign key to their chat (it cost a quarter of the send path's insert): the
    /// chat's row lock keeps them together. A deletion that began while the write loop held a send of
    /// the chat, uncommitted, must still take that message with the chat.
    /// </summary>
    [Fact]
    public async Task AChatDeletedWhileTheWriteLoopHoldsASendOfIt_KeepsNoneOfItsMessages()
    {
        var chatId = await CreateGroupAsync();
        await SendAsync(chatId, "before", "before");
        WriteLoopHold.Text = "hold";
        try
        {
            var held = SendAsync(chatId, "held", "hold");
            await WriteLoopHold.Entered.WaitAsync(TimeSpan.FromSeconds(30));
            await using var scope = Services.CreateAsyncScope();
            var deleted = scope.ServiceProvider.GetRequiredService<IChatStore>().DeleteAsync(chatId, CancellationToken.None);
            await WaitForALockWaitAsync();
            Assert.False(deleted.IsCompleted);

            WriteLoopHold.Release();
            Assert.Equal("hold", (await held).Message.Text); // Committed before the deletion went on.
            await deleted;
        }
        finally
        {
            WriteLoopHold.Release();
        }

        await using var check = Services.CreateAsyncScope();
        var db = check.ServiceProvider.GetRequiredService<PostgreSqlChatDbContext>();
        Assert.Equal(0, await db.Set<MessageEntity>().CountAsync(m => m.ChatId == chatId));
        Assert.False(await db.Set<ChatEntity>().AnyAsync(c => c.Id == chatId));
    }

    /// <summary>Returns once a session of this test's database waits for a lock another holds.</summary>
    private async Task WaitForALockWaitAsync()
    {
        var database = new Npgsql.NpgsqlConnectionStringBuilder(Database.ConnectionString).Database;
        await using var connection = new Npgsql.NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var waiting = new Npgsql.NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = @db AND wait_event_type = 'Lock'", connection);
        waiting.Parameters.AddWithValue("db", database!);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((long)(await waiting.ExecuteScalarAsync())! == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The deletion never waited for the write loop's transaction.");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// The write loop's own statements bypass EF Core, so they are counted as Npgsql's traced commands to
    /// this test's database (the commit is not one) less those EF Core's interceptor saw.
    /// </summary>
    [Fact]
    public async Task SendBatch_TakesTwoRoundTripsAndItsCommit_WithSeveralChatsMentionsAndClientIds()
    {
        var chats = new[] { await CreateGroupAsync(), await CreateGroupAsync(), await CreateGroupAsync() };
        var database = new Npgsql.NpgsqlConnectionStringBuilder(Database.ConnectionString).Database;
        var commands = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (Equals(activity.GetTagItem("db.namespace"), database) && activity.GetTagItem("db.query.text") is not null)
                {
                    Interlocked.Increment(ref commands);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var (commitsBefore, efCommandsBefore) = (Counter.Commits, Counter.Commands);
        int WriteLoopRoundTrips() => Volatile.Read(ref commands) - (Counter.Commands - efCommandsBefore);

        var sent = await Task.WhenAll(Enumerable.Range(0, 90).Select(async i =>
        {
            await using var scope = Services.CreateAsyncScope();
            var text = i % 3 == 0 ? $"@user{2 + (i % 2)} look at {i}" : $"message {i}";
            return await scope.ServiceProvider.GetRequiredService<MessagingService>().SendAsync(1 + (i % 4), chats[i % 3], text, i % 2 == 0 ? $"client-{i}" : null);
        }));

        var batches = Counter.Commits - commitsBefore;
        Assert.Equal(2 * batches, WriteLoopRoundTrips());
        Assert.True(batches < sent.Length, $"{batches} batches for {sent.Length} sends: sends were not grouped.");
        Assert.Contains(sent, s => s.Message.MentionIds.Count == 1);
        foreach (var chat in chats)
        {
            Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), sent.Where(s => s.Message.ChatId == chat).Select(s => s.Message.Sequence).Order());
        }

        // A batch that only repeats stored messages stores nothing: its reads are its one round trip.
        (commitsBefore, efCommandsBefore, commands) = (Counter.Commits, Counter.Commands, 0);
        await using (var scope = Services.CreateAsyncScope())
        {
            var repeat = await scope.ServiceProvider.GetRequiredService<MessagingService>().SendAsync(1, chats[0], "@user2 look at 0", "client-0");
            Assert.Equal(sent[0].Message.Id, repeat.Message.Id);
        }

        Assert.Equal(1, Counter.Commits - commitsBefore);
        Assert.Equal(1, WriteLoopRoundTrips());
    }

    /// <summary>
    /// A young database's statistics lag its tables: analyzed at a tenth of their rows, then grown.
    /// Whatever they say, each key of a batch is found through its index: the client-id lookup once
    /// answered a batch by scanning and hashing every message, 40 times slower at 66,000 rows and
    /// growing with them.
    /// </summary>
    [Fact]
    public async Task SendStatements_LookUpEachKeyByIndex_WhenTheStatisticsPredateTheTablesGrowth()
    {
        var chatId = await CreateGroupAsync();
        await using (var scope = Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<MessagingService>().SendAsync(1, chatId, "the row the others copy", "client-0");
        }

        // 20,000 more chats with their members; twenty chats' messages, analyzed at 3,000, then grown tenfold.
        await using var connection = new Npgsql.NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, $"""
            INSERT INTO "ChatEngineChats" SELECT (jsonb_populate_record(NULL::"ChatEngineChats", to_jsonb(c) || jsonb_build_object('Id', c."Id" + g, 'JoinCode', 'copy' || g))).*
            FROM "ChatEngineChats" AS c, generate_series(1, 20000) AS g WHERE c."Id" = {chatId};
            INSERT INTO "ChatEngineMembers" SELECT (jsonb_populate_record(NULL::"ChatEngineMembers", to_jsonb(m) || jsonb_build_object('ChatId', m."ChatId" + g, 'UserId', m."UserId" + 4 * (g % 1000)))).*
            FROM "ChatEngineMembers" AS m, generate_series(1, 20000) AS g WHERE m."ChatId" = {chatId};
            """);
        await CopyMessagesAsync(connection, chatId, 1, 3000);
        await ExecuteAsync(connection, """ANALYZE "ChatEngineChats", "ChatEngineMembers", "ChatEngineMessages" """);
        await CopyMessagesAsync(connection, chatId, 3001, 30000);

        // A batch as the load test makes them: hundreds of sends over its chats, each with a client id.
        var keys = Enumerable.Range(0, 400).Select(i => (Chat: chatId + (i % 20), Sender: 1L + (i % 4), Client: $"new-{i}")).ToArray();
        var chats = keys.Select(k => k.Chat).Distinct().ToArray();
        var senders = keys.Select(k => k.Sender).Distinct().ToArray();
        var plans = new[]
        {
            await PlanAsync(connection, PostgreSqlSendStatements.StoredClientIdsSql,
                ("chats", keys.Select(k => k.Chat).ToArray()), ("senders", keys.Select(k => k.Sender).ToArray()), ("clientIds", keys.Select(k => k.Client).ToArray())),
            await PlanAsync(connection, PostgreSqlSendStatements.LockChatsSql, ("chats", chats)),
            await PlanAsync(connection, PostgreSqlSendStatements.MembersSql, ("chats", chats), ("senders", senders)),
            await PlanAsync(connection, PostgreSqlSendStatements.RaiseNumbersSql,
                ("chats", chats), ("lastSequences", chats.Select(_ => 1000L).ToArray()), ("seqs", chats.Select(_ => 1000L).ToArray())),
            await PlanAsync(connection, PostgreSqlSendStatements.AdvanceReadSql,
                ("chats", keys.Select(k => k.Chat).ToArray()), ("users", keys.Select(k => k.Sender).ToArray()), ("sequences", keys.Select(_ => 1000L).ToArray())),
            await PlanAsync(connection, PostgreSqlSendStatements.MarkReadSql,
                ("chats", keys.Select(k => k.Chat).ToArray()), ("users", keys.Select(k => k.Sender).ToArray()), ("upTo", keys.Select(_ => 1000L).ToArray()),
                ("readAt", keys.Select(_ => DateTime.UnixEpoch).ToArray())),
        };

        Assert.All(plans, plan => Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal));
        Assert.Contains("Index Scan using \"IX_ChatEngineMessages_ChatId_SenderId_ClientId\"", plans[0], StringComparison.Ordinal);
    }

    /// <summary>Copies of the chat's message, numbered on, spread over it and the next nineteen chats.</summary>
    private static Task CopyMessagesAsync(Npgsql.NpgsqlConnection connection, long chatId, int first, int last) => ExecuteAsync(connection, $"""
        INSERT INTO "ChatEngineMessages" SELECT (jsonb_populate_record(NULL::"ChatEngineMessages", to_jsonb(m) || jsonb_build_object(
            'Id', m."Id" + g, 'ChatId', m."ChatId" + g % 20, 'SenderId', 1 + g % 4, 'Sequence', m."Sequence" + g, 'Seq', m."Seq" + g, 'ClientId', 'client-' || g))).*
        FROM "ChatEngineMessages" AS m, generate_series({first}, {last}) AS g WHERE m."ChatId" = {chatId} AND m."ClientId" = 'client-0';
        """);

    private static async Task ExecuteAsync(Npgsql.NpgsqlConnection connection, string sql)
    {
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The plan PostgreSQL makes for a statement with these arrays bound, as its text.</summary>
    private static async Task<string> PlanAsync(Npgsql.NpgsqlConnection connection, string sql, params (string Name, Array Values)[] arrays)
    {
        await using var command = new Npgsql.NpgsqlCommand("EXPLAIN " + sql, connection);
        foreach (var (name, values) in arrays)
        {
            var type = values.GetType().GetElementType();
            var element = type == typeof(string) ? NpgsqlTypes.NpgsqlDbType.Text
                : type == typeof(DateTime) ? NpgsqlTypes.NpgsqlDbType.TimestampTz
                : NpgsqlTypes.NpgsqlDbType.Bigint;
            command.Parameters.Add(new Npgsql.NpgsqlParameter(name, NpgsqlTypes.NpgsqlDbType.Array | element) { Value = values });
        }

        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }

    [Fact]
    public async Task Migration_WhenTheServerIsUnreachable_NamesTheDatabaseButNotThePassword()
    {
        var options = new DbContextOptionsBuilder<PostgreSqlChatDbContext>()
            .UseNpgsql("Host=127.0.0.1;Port=1;Database=chat_nowhere;Username=u;Password=s3cret-value;Timeout=2")
            .Options;
        await using var db = new PostgreSqlChatDbContext(options);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => DatabaseMigrator<PostgreSqlChatDbContext>.MigrateAsync(db, CancellationToken.None));

        Assert.Contains("Host=127.0.0.1;Port=1;Database=chat_nowhere", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:Chat", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-value", error.Message, StringComparison.Ordinal);
    }
}
