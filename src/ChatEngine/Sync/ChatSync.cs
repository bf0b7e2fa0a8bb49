using Microsoft.Extensions.Options;

namespace ChatEngine;

/// <summary>
/// A user's offline sync (contract v2, section 4): everything that changed across their chats since
/// a position, as events, and the position to go on from. One set of rules for <c>/sync/</c>, the
/// user WebSocket and the hub. Chats that did not change cost nothing beyond the two list queries.
/// </summary>
public sealed class ChatSync
{
    /// <summary>Events per page when the caller names no limit.</summary>
    public const int DefaultPageSize = 500;

    /// <summary>Most events per page.</summary>
    public const int MaxPageSize = 1000;

    private readonly ChatService _chats;
    private readonly ChatChanges _changes;
    private readonly TimeProvider _time;
    private readonly ChatSyncOptions _options;

    internal ChatSync(ChatService chats, ChatChanges changes, TimeProvider time, IOptions<ChatEngineOptions> options)
    {
        _chats = chats;
        _changes = changes;
        _time = time;
        _options = options.Value.Sync;
    }

    /// <summary>
    /// What changed for <paramref name="userId"/> since <paramref name="since"/>. Without a position, or
    /// with one that is another user's or older than <see cref="ChatSyncOptions.ChangeLogRetention"/>,
    /// nothing is replayed: the page is <see cref="SyncPage.Limited"/>, with the position of now.
    /// </summary>
    public async Task<SyncPage> GetAsync(long userId, SyncPosition? since, int? limit = null, CancellationToken cancellationToken = default)
    {
        var pageSize = limit ?? DefaultPageSize;
        if (pageSize < 1 || pageSize > MaxPageSize)
        {
            throw ChatErrors.Validation(ChatErrorCodes.InvalidPaging, $"limit must be between 1 and {MaxPageSize}.");
        }

        var now = _time.GetUtcNow();
        var current = await CurrentChatsAsync(userId, cancellationToken).ConfigureAwait(false);
        if (since is null || since.UserId != userId || since.IssuedAt < now - _options.ChangeLogRetention)
        {
            var fresh = current.ToDictionary(c => c.Key, c => new SyncChatPosition(c.Value.Item.Seq, c.Value.Item.Unread, c.Value.Kind));
            return new SyncPage([], new SyncPosition(userId, now, fresh), HasMore: false, Limited: true, LimitedChats: []);
        }

        var events = new List<ChatEvent>();
        var positions = new Dictionary<long, SyncChatPosition>(since.Chats);
        var limitedChats = new List<long>();
        var hasMore = false;
        foreach (var chatId in current.Keys.Union(since.Chats.Keys).Order())
        {
            if (events.Count >= pageSize)
            {
                hasMore = true;
                break;
            }

            var isMember = current.TryGetValue(chatId, out var chat);
            var known = since.Chats.TryGetValue(chatId, out var position);
            if (!isMember)
            {
                var (seq, reason) = await _changes.FindDepartureAsync(userId, chatId, position.Seq, cancellationToken).ConfigureAwait(false);
                events.Add(new ChatRemoved(userId, chatId, seq, reason));
                positions.Remove(chatId);
                continue;
            }

            var item = chat.Item;
            if (!known)
            {
                events.Add(new ChatAdded(userId, chat.Kind, item));
                events.Add(new UnreadCounted(userId, chatId, item.Seq, item.Unread, item.Mentions));
                positions[chatId] = new SyncChatPosition(item.Seq, item.Unread, chat.Kind);
                continue;
            }

            if (position.Seq == item.Seq && position.Unread == item.Unread)
            {
                continue;
            }

            var page = await _changes.GetChangesAsync(userId, chatId, position.Seq, Math.Min(ChatChanges.MaxPageSize, pageSize - events.Count), cancellationToken).ConfigureAwait(false);
            if (page.Limited)
            {
                limitedChats.Add(chatId);
                positions[chatId] = new SyncChatPosition(page.Seq, item.Unread, chat.Kind);
                continue;
            }

            events.AddRange(page.Events);
            if (page.HasMore)
            {
                // The rest of this chat, and its reads and counts, come with the next page.
                positions[chatId] = position with { Seq = page.Seq };
                hasMore = true;
                break;
            }

            foreach (var read in await _changes.GetReadsSinceAsync(userId, chatId, position.Seq, cancellationToken).ConfigureAwait(false))
            {
                // Group members' reads are for the chat's open page; the list needs only the caller's own.
                if (chat.Kind == ChatKind.Private || read.Reader.Id == userId)
                {
                    events.Add(read);
                }
            }

            events.Add(new UnreadCounted(userId, chatId, item.Seq, item.Unread, item.Mentions));
            positions[chatId] = new SyncChatPosition(Math.Max(page.Seq, item.Seq), item.Unread, chat.Kind);
        }

        return new SyncPage(events, new SyncPosition(userId, now, positions), hasMore, Limited: false, limitedChats);
    }

    /// <summary>The positions of every chat of the user now: what a live stream follows on from.</summary>
    public async Task<SyncPosition> GetCurrentPositionAsync(long userId, CancellationToken cancellationToken = default)
    {
        var current = await CurrentChatsAsync(userId, cancellationToken).ConfigureAwait(false);
        return new SyncPosition(userId, _time.GetUtcNow(), current.ToDictionary(c => c.Key, c => new SyncChatPosition(c.Value.Item.Seq, c.Value.Item.Unread, c.Value.Kind)));
    }

    /// <summary>A chat as it starts on the user's list, or <see langword="null"/> if they are not in it (any more).</summary>
    public async Task<ChatAdded?> GetChatAddedAsync(long userId, long chatId, CancellationToken cancellationToken = default) =>
        await FindListItemAsync(userId, chatId, cancellationToken).ConfigureAwait(false) is { } found
            ? new ChatAdded(userId, found.Kind, found.Item)
            : null;

    /// <summary>The user's exact counts in a chat now, or <see langword="null"/> if they are not in it (any more).</summary>
    public async Task<UnreadCounted?> GetUnreadAsync(long userId, long chatId, CancellationToken cancellationToken = default) =>
        await FindListItemAsync(userId, chatId, cancellationToken).ConfigureAwait(false) is { Item: var item }
            ? new UnreadCounted(userId, chatId, item.Seq, item.Unread, item.Mentions)
            : null;

    private async Task<(ChatKind Kind, ChatListItem Item)?> FindListItemAsync(long userId, long chatId, CancellationToken cancellationToken)
    {
        foreach (var kind in (ChatKind[])[ChatKind.Private, ChatKind.Group])
        {
            if ((await _chats.GetChatsAsync(userId, kind, cancellationToken).ConfigureAwait(false)).FirstOrDefault(i => i.ChatId == chatId) is { } item)
            {
                return (kind, item);
            }
        }

        return null;
    }

    private async Task<Dictionary<long, (ChatKind Kind, ChatListItem Item)>> CurrentChatsAsync(long userId, CancellationToken cancellationToken)
    {
        var chats = new Dictionary<long, (ChatKind, ChatListItem)>();
        foreach (var kind in (ChatKind[])[ChatKind.Private, ChatKind.Group])
        {
            foreach (var item in await _chats.GetChatsAsync(userId, kind, cancellationToken).ConfigureAwait(false))
            {
                chats[item.ChatId] = (kind, item);
            }
        }

        return chats;
    }
}
