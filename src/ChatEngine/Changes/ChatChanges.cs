using Microsoft.Extensions.Options;

namespace ChatEngine;

/// <summary>A page of a chat's changes as catch-up replays them.</summary>
/// <param name="Events">Each change as an event (<see cref="MessageCommitted"/> or <see cref="ChatChanged"/>), in number order.</param>
/// <param name="Seq">The number to follow on from: the last event's, or the chat's current one when nothing more is there.</param>
/// <param name="HasMore">Whether more changes follow; ask again after <paramref name="Seq"/>.</param>
/// <param name="Limited">Nothing was replayed because too much changed (or too long ago, or the number is ahead of the chat): reload instead.</param>
public sealed record ChatChangesPage(IReadOnlyList<ChatEvent> Events, long Seq, bool HasMore, bool Limited);

/// <summary>
/// The change log as clients read it: every change of a chat after a number, in order, with the rules
/// of catch-up (<c>limited</c>, page sizes) in one place for every transport.
/// </summary>
public sealed class ChatChanges
{
    /// <summary>Changes per page when the caller names no limit.</summary>
    public const int DefaultPageSize = 500;

    /// <summary>Most changes per page.</summary>
    public const int MaxPageSize = 1000;

    private readonly IChatStore _chats;
    private readonly IMessageStore _messages;
    private readonly IChatUserDirectory _users;
    private readonly ChatAccess _access;
    private readonly MessageDetails _details;
    private readonly TimeProvider _time;
    private readonly ChatSyncOptions _options;

    private static readonly TimeSpan ReadClockMargin = TimeSpan.FromMinutes(1);

    internal ChatChanges(IChatStore chats, IMessageStore messages, IChatUserDirectory users, ChatAccess access, MessageDetails details, TimeProvider time, IOptions<ChatEngineOptions> options)
    {
        _details = details;
        _chats = chats;
        _messages = messages;
        _users = users;
        _access = access;
        _time = time;
        _options = options.Value.Sync;
    }

    /// <summary>Whether the store keeps a change log; without one, membership changes have no number and catch-up replays messages only.</summary>
    public bool IsLogged => _chats is IChatChangeLog;

    /// <summary>
    /// The changes of a chat after <paramref name="afterSeq"/> for one of its members (anyone else:
    /// <see cref="ChatErrorCodes.ChatNotFound"/>).
    /// </summary>
    public async Task<ChatChangesPage> GetChangesAsync(long userId, long chatId, long afterSeq, int? limit = null, CancellationToken cancellationToken = default)
    {
        var pageSize = limit ?? DefaultPageSize;
        if (afterSeq < 0 || pageSize < 1 || pageSize > MaxPageSize)
        {
            throw ChatErrors.Validation(ChatErrorCodes.InvalidPaging, $"after_seq must be a change number and limit between 1 and {MaxPageSize}.");
        }

        var (chat, _) = await _access.RequireMemberAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(chat, afterSeq, pageSize, enforceReplayLimit: true, viewerId: userId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The changes of a chat after <paramref name="afterSeq"/>, with no membership check: for a transport
    /// filling a gap in what it relays to the chat's members. An empty page if the chat is gone. Read
    /// for everyone, replayed messages' reactions say <c>me</c> for nobody; reaction events say whose they are.
    /// </summary>
    public async Task<ChatChangesPage> ReadForDeliveryAsync(long chatId, long afterSeq, int limit, CancellationToken cancellationToken = default)
    {
        var chat = await _chats.FindByIdAsync(chatId, cancellationToken).ConfigureAwait(false);
        return chat is null
            ? new ChatChangesPage([], afterSeq, HasMore: false, Limited: false)
            : await ReadAsync(chat, afterSeq, Math.Clamp(limit, 1, MaxPageSize), enforceReplayLimit: false, viewerId: 0, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Read state for the end of a replay: one <see cref="MessagesRead"/> per member whose read position
    /// moved since change <paramref name="afterSeq"/> committed, with their current position (it may
    /// repeat one the client has). Empty when the store keeps no change log.
    /// </summary>
    public async Task<IReadOnlyList<MessagesRead>> GetReadsSinceAsync(long userId, long chatId, long afterSeq, CancellationToken cancellationToken = default)
    {
        await _access.RequireMemberAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        if (_chats is not IChatChangeLog log)
        {
            return [];
        }

        // Change afterSeq's own time; a minute's margin covers clocks of hosts that disagree a little.
        var since = DateTimeOffset.MinValue;
        if (afterSeq > 0 && (await log.GetAfterAsync(chatId, afterSeq - 1, 1, cancellationToken).ConfigureAwait(false)) is [{ } entry])
        {
            since = entry.Time - ReadClockMargin;
        }

        var positions = await log.GetReadPositionsSinceAsync(chatId, since, cancellationToken).ConfigureAwait(false);
        var readers = await _users.GetByIdsAsync(positions.Select(p => p.UserId).ToArray(), cancellationToken).ConfigureAwait(false);
        return positions
            .Select(p => new MessagesRead(chatId, readers.GetValueOrDefault(p.UserId) ?? ChatAccess.UnknownUser(p.UserId), p.UpToMessageId, p.UpToSequence, p.ReadAt))
            .ToArray();
    }

    private static ChatRemovalReason RemovalReasonOf(MemberRemovalReason? reason) => reason switch
    {
        MemberRemovalReason.Left => ChatRemovalReason.Left,
        MemberRemovalReason.Banned => ChatRemovalReason.Banned,
        MemberRemovalReason.Erased => ChatRemovalReason.Erased,
        _ => ChatRemovalReason.Removed,
    };

    /// <summary>
    /// How a user came to be out of a chat they were in at <paramref name="afterSeq"/>: the change that
    /// removed them, or the chat's deletion. With no membership check: it is about a chat they left.
    /// </summary>
    internal async Task<(long Seq, ChatRemovalReason Reason)> FindDepartureAsync(long userId, long chatId, long afterSeq, CancellationToken cancellationToken)
    {
        if (await _chats.FindByIdAsync(chatId, cancellationToken).ConfigureAwait(false) is not { } chat)
        {
            return (afterSeq, ChatRemovalReason.Deleted);
        }

        var departure = (Seq: SeqOf(_chats, chat), Reason: ChatRemovalReason.Removed);
        if (_chats is not IChatChangeLog log)
        {
            return departure;
        }

        // The newest removal of theirs within what a replay may read; past that, "removed" at the chat's number.
        for (var after = afterSeq; after - afterSeq < _options.MaxReplay;)
        {
            var entries = await log.GetAfterAsync(chatId, after, MaxPageSize, cancellationToken).ConfigureAwait(false);
            foreach (var change in entries.Select(e => e.Change))
            {
                if (change is { Kind: ChatChangeKind.MemberRemoved, Members: [{ } member, ..] } && member.UserId == userId)
                {
                    departure = (change.Seq, RemovalReasonOf(change.Reason));
                }
            }

            if (entries.Count < MaxPageSize)
            {
                break;
            }

            after = entries[^1].Seq;
        }

        return departure;
    }

    /// <summary>The chat's current number (what a page's <c>seq</c> reports).</summary>
    internal static long SeqOf(IChatStore store, Chat chat) => store is IChatChangeLog ? chat.Seq : chat.LastSequence;

    /// <summary>A chat's creation: the change 1 that a store keeping a change log logged with the chat.</summary>
    internal static ChatChange Creation(IChatStore store, long chatId, DateTimeOffset time, long? byUserId, IReadOnlyList<ChangedMember> members) => new()
    {
        ChatId = chatId,
        Seq = store is IChatChangeLog ? 1 : 0,
        Kind = ChatChangeKind.MemberAdded,
        Time = time,
        ByUserId = byUserId,
        Members = members,
    };

    private async Task<ChatChangesPage> ReadAsync(Chat chat, long afterSeq, int pageSize, bool enforceReplayLimit, long viewerId, CancellationToken cancellationToken)
    {
        var current = SeqOf(_chats, chat);
        var limited = new ChatChangesPage([], current, HasMore: false, Limited: true);
        if (afterSeq > current || (enforceReplayLimit && current - afterSeq > _options.MaxReplay))
        {
            return limited;
        }

        if (afterSeq == current)
        {
            return new ChatChangesPage([], current, HasMore: false, Limited: false);
        }

        var entries = _chats is IChatChangeLog log
            ? await log.GetAfterAsync(chat.Id, afterSeq, pageSize + 1, cancellationToken).ConfigureAwait(false)
            : (await _messages.GetAfterAsync(chat.Id, afterSeq, pageSize + 1, cancellationToken).ConfigureAwait(false))
                .Select(m => new ChatLogEntry(m.Sequence, m with { Seq = m.Sequence }, null)).ToArray();

        // The change right after afterSeq must still be there, and young enough: otherwise the log
        // was cut (retention) and a replay would skip changes silently.
        if (enforceReplayLimit && (entries.Count == 0 || entries[0].Seq != afterSeq + 1
            || entries[0].Time < _time.GetUtcNow() - _options.ChangeLogRetention))
        {
            return limited;
        }

        var hasMore = entries.Count > pageSize;
        var page = hasMore ? entries.Take(pageSize).ToArray() : entries;
        var events = await ToEventsAsync(page, viewerId, cancellationToken).ConfigureAwait(false);
        return new ChatChangesPage(events, page.Count > 0 ? page[^1].Seq : current, hasMore, Limited: false);
    }

    /// <summary>
    /// Each entry as its event, describing things as they are now: a message with its current text,
    /// quote and reactions, an edit with the current text, a reaction with the emoji's current count.
    /// </summary>
    private async Task<IReadOnlyList<ChatEvent>> ToEventsAsync(IReadOnlyList<ChatLogEntry> entries, long viewerId, CancellationToken cancellationToken)
    {
        var changedIds = entries.Where(e => e.Change?.MessageId is not null).Select(e => e.Change!.MessageId!.Value).Distinct().ToArray();
        var changedMessages = changedIds.Length == 0 ? [] : await _details.FindAllAsync(changedIds, cancellationToken).ConfigureAwait(false);
        var messages = entries.Where(e => e.Message is not null).Select(e => e.Message!).Concat(changedMessages).DistinctBy(m => m.Id).ToArray();

        var userIds = entries.SelectMany(e => e.Message is { } m ? [m.SenderId] : e.Change!.Members.Select(c => c.UserId)).Distinct().ToArray();
        var users = await _users.GetByIdsAsync(userIds, cancellationToken).ConfigureAwait(false);
        ChatUser UserOf(long id) => users.GetValueOrDefault(id) ?? ChatAccess.UnknownUser(id);
        var previews = await _details.GetPreviewsAsync(messages, users, cancellationToken).ConfigureAwait(false);
        var reactions = await _details.GetReactionsAsync(messages, viewerId, cancellationToken).ConfigureAwait(false);
        var attachments = await _details.GetAttachmentsAsync(messages, cancellationToken).ConfigureAwait(false);
        var current = messages.ToDictionary(m => m.Id);

        return entries.Select(e => e.Message is { } message
            ? (ChatEvent)new MessageCommitted(message, UserOf(message.SenderId))
            {
                ReplyPreview = message.ReplyToId is { } quoted && !message.IsDeleted ? previews.GetValueOrDefault(quoted) : null,
                Reactions = reactions[message.Id].ToArray(),
                Attachments = attachments[message.Id].ToArray(),
            }
            : new ChatChanged(Now(WithNames(e.Change!, UserOf), current, reactions), [])).ToArray();
    }

    /// <summary>A message change with the message as it is now, and a reaction with its emoji's count now.</summary>
    private static ChatChange Now(ChatChange change, Dictionary<long, ChatMessage> messages, ILookup<long, ReactionCount> reactions)
    {
        if (change.MessageId is not { } id || !messages.TryGetValue(id, out var message))
        {
            return change;
        }

        return change with
        {
            Message = message.IsDeleted ? MessageChangeService.Tombstone(message) : message,
            Count = change.Kind == ChatChangeKind.ReactionChanged ? reactions[id].FirstOrDefault(r => r.Emoji == change.Emoji)?.Count ?? 0 : change.Count,
        };
    }

    internal static ChatChange WithNames(ChatChange change, Func<long, ChatUser> userOf) =>
        change with { Members = change.Members.Select(m => m with { UserName = userOf(m.UserId).UserName }).ToArray() };
}
