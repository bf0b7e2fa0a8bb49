using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine.AspNetCore;

/// <summary>
/// One live stream of one user (<c>ws/user/</c>, or a hub connection that called <c>Subscribe</c>):
/// the events of every chat of theirs, as the contract's section 4 says. Which chats it follows
/// changes with the user's memberships (a <c>member_added</c> of theirs becomes <c>chat_added</c>, a
/// removal <c>chat_removed</c>); typing, presence and group reads come only for the chats it watches.
/// Delivery only queues: what needs the store (a new chat's list item, exact unread counts) is read
/// by the stream's own writer, in order, so no delivery waits on a database.
/// </summary>
internal abstract class UserStream
{
    private const int MaxHeld = 10_000;
    private const int MaxWatched = 100;

    private readonly Lock _lock = new();
    private readonly UserStreams _registry;
    private readonly Channel<StreamItem> _items;
    private readonly TimeProvider _time;
    private readonly TimeSpan _cursorInterval;

    // Under _lock: the chats followed, with the last change number queued (repeats at or below it are dropped).
    private readonly Dictionary<long, SyncChatPosition> _chats = [];
    private readonly HashSet<long> _watched = [];
    private readonly HashSet<long> _unreadQueued = [];
    private List<(long ChatId, ChatBroadcast Broadcast)>? _held;
    private bool _detached;

    // Dropped for not keeping up: the client reconnects with its cursor.
    private volatile bool _overflowed;

    // The user's sign-ins ended: once the last cursor is out, the connection ends saying so.
    private volatile bool _signedOut;

    // The writer's alone: what has been sent, which is what a cursor may promise.
    private Dictionary<long, SyncChatPosition>? _sent;
    private long _lastCursorAt;

    protected UserStream(long userId, UserStreams registry, int queueCapacity, bool holding, TimeProvider time, TimeSpan cursorInterval)
    {
        UserId = userId;
        _registry = registry;
        _time = time;
        _cursorInterval = cursorInterval;
        _held = holding ? [] : null;
        _items = Channel.CreateBounded<StreamItem>(new BoundedChannelOptions(queueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    public long UserId { get; }

    /// <summary>Follows the chats the user is in, before their positions are known (their events are held meanwhile).</summary>
    public void Follow(IEnumerable<long> chatIds)
    {
        lock (_lock)
        {
            foreach (var chatId in chatIds)
            {
                FollowLocked(chatId, new SyncChatPosition(0, 0, ChatKind.Group));
            }
        }
    }

    /// <summary>
    /// Starts live delivery from <paramref name="position"/>: follows exactly its chats, queues the
    /// <c>synced</c> frame (for a socket) and releases the events held since the stream was registered,
    /// less those the position already covers.
    /// </summary>
    public void Start(SyncPosition position, (bool Limited, IReadOnlyList<long> LimitedChats)? synced)
    {
        lock (_lock)
        {
            foreach (var chatId in _chats.Keys.Where(id => !position.Chats.ContainsKey(id)).ToArray())
            {
                UnfollowLocked(chatId);
            }

            foreach (var (chatId, chat) in position.Chats)
            {
                FollowLocked(chatId, _chats.TryGetValue(chatId, out var known) ? chat with { Seq = Math.Max(chat.Seq, known.Seq) } : chat);
            }

            Queue(new StreamItem(StreamItemKind.Positions, 0, Positions: position));
            if (synced is { } ended)
            {
                Queue(new StreamItem(StreamItemKind.Synced, 0, EventName: "synced", Synced: ended));
            }

            var held = _held ?? [];
            _held = null;
            foreach (var (chatId, broadcast) in held)
            {
                ApplyLocked(chatId, broadcast);
            }
        }
    }

    /// <summary>Queues a frame ahead of live traffic (a sync page), waiting for room: the client reads at its own pace.</summary>
    public ValueTask QueueSyncFrameAsync(ReadOnlyMemory<byte> frame, string eventName, CancellationToken cancellationToken) =>
        _items.Writer.WriteAsync(new StreamItem(StreamItemKind.Frame, 0, frame, eventName), cancellationToken);

    /// <summary>Stops following anything new (the stream is closing) and returns the chats it follows, for the registry to drop.</summary>
    public long[] Detach()
    {
        lock (_lock)
        {
            _detached = true;
            return [.. _chats.Keys];
        }
    }

    /// <summary>Chooses the chats whose typing, presence and group reads the stream gets (the open chat).</summary>
    public void Watch(IEnumerable<long> chatIds, bool watch)
    {
        lock (_lock)
        {
            foreach (var chatId in chatIds)
            {
                if (!watch)
                {
                    _watched.Remove(chatId);
                }
                else if (_watched.Count < MaxWatched)
                {
                    _watched.Add(chatId);
                }
            }
        }
    }

    /// <summary>A broadcast of one chat (a change, a read, typing, or the user's own notification settings).</summary>
    public void Deliver(long chatId, ChatBroadcast broadcast)
    {
        lock (_lock)
        {
            if (_held is not null)
            {
                _held.Add((chatId, broadcast));
                if (_held.Count > MaxHeld)
                {
                    OverflowLocked();
                }

                return;
            }

            ApplyLocked(chatId, broadcast);
        }
    }

    /// <summary>A user's presence: for private-chat partners and the members of watched chats, once.</summary>
    public void DeliverStatus(ChatBroadcast broadcast)
    {
        if (broadcast.UserId == UserId)
        {
            return;
        }

        lock (_lock)
        {
            // Live presence only: a held one is stale by the time it would go out (the lists carry presence).
            if (_held is null && broadcast.ChatIds.Any(id => _watched.Contains(id) || (_chats.TryGetValue(id, out var chat) && chat.Kind == ChatKind.Private)))
            {
                Queue(new StreamItem(StreamItemKind.Frame, 0, broadcast.Frame, broadcast.EventName));
            }
        }
    }

    /// <summary>Queues a cursor and stops taking events: the writer sends what is queued, then ends.</summary>
    public void CompleteWithCursor()
    {
        Queue(new StreamItem(StreamItemKind.Cursor, 0, EventName: "cursor"));
        CompleteSending();
    }

    public void CompleteSending() => _items.Writer.TryComplete();

    /// <summary>Queues a frame for this stream alone (an error, the answer to a retried send).</summary>
    protected void QueueFrame(ReadOnlyMemory<byte> frame) => Queue(new StreamItem(StreamItemKind.Frame, 0, frame, "error"));

    private void ApplyLocked(long chatId, ChatBroadcast broadcast)
    {
        var following = _chats.TryGetValue(chatId, out var chat);
        switch (broadcast.Kind)
        {
            case BroadcastKind.Notifications or BroadcastKind.Report:
                Queue(new StreamItem(StreamItemKind.Frame, chatId, broadcast.Frame, broadcast.EventName));
                return;
            case BroadcastKind.Typing:
                if (following && _watched.Contains(chatId))
                {
                    Queue(new StreamItem(StreamItemKind.Frame, chatId, broadcast.Frame, broadcast.EventName));
                }

                return;
            case BroadcastKind.Read:
                if (following && (chat.Kind == ChatKind.Private || _watched.Contains(chatId) || broadcast.UserId == UserId))
                {
                    Queue(new StreamItem(StreamItemKind.Frame, chatId, broadcast.Frame, broadcast.EventName));
                }

                if (following && broadcast.UserId == UserId)
                {
                    QueueUnreadLocked(chatId); // Read on this device or another: the badge follows.
                }

                return;
            case BroadcastKind.Status:
                return; // Delivered once per stream by DeliverStatus.
        }

        // A numbered change (or, on a store without a change log, an unnumbered one).
        if (following && broadcast.Seq > 0 && broadcast.Seq <= chat.Seq)
        {
            return; // Covered by the sync or the list this stream started from.
        }

        if (broadcast.EventName == "member_added" && ChangeFrames.AddedUserIds(broadcast.Frame).Contains(UserId))
        {
            // Until the list item says which it is, a new chat counts as a group: no partner's presence or reads.
            FollowLocked(chatId, following ? chat with { Seq = Math.Max(chat.Seq, broadcast.Seq) } : new SyncChatPosition(broadcast.Seq, 0, ChatKind.Group));
            Queue(new StreamItem(StreamItemKind.ChatAdded, chatId, Seq: broadcast.Seq, EventName: "chat_added"));
            return;
        }

        if (!following)
        {
            return;
        }

        if (broadcast.Kind == BroadcastKind.ChatDeleted || (broadcast.Kind == BroadcastKind.MemberRemoved && broadcast.UserId == UserId))
        {
            UnfollowLocked(chatId);
            var reason = broadcast.Kind == BroadcastKind.ChatDeleted ? ChatRemovalReason.Deleted : ChangeFrames.RemovalReasonOf(broadcast.Frame);
            var frame = JsonSerializer.SerializeToUtf8Bytes(new ChatRemovedFrame(chatId, broadcast.Seq, SyncFrames.ReasonName(reason)), ChatJsonContext.Default.ChatRemovedFrame);
            Queue(new StreamItem(StreamItemKind.ChatRemoved, chatId, frame, "chat_removed", broadcast.Seq));
            return;
        }

        _chats[chatId] = chat with { Seq = Math.Max(chat.Seq, broadcast.Seq) };
        Queue(new StreamItem(StreamItemKind.Frame, chatId, broadcast.Frame, broadcast.EventName, broadcast.Seq));

        // An edit or delete may change how many unread messages mention the user.
        if (broadcast.EventName is "message_deleted" || (broadcast.EventName is "message_updated" && ChangeFrames.MentionIds(broadcast.Frame).Contains(UserId)))
        {
            QueueUnreadLocked(chatId);
        }
    }

    private void QueueUnreadLocked(long chatId)
    {
        // One pending count per chat is enough: it is read when it is sent.
        if (_unreadQueued.Add(chatId))
        {
            Queue(new StreamItem(StreamItemKind.Unread, chatId, EventName: "unread"));
        }
    }

    private void FollowLocked(long chatId, SyncChatPosition position)
    {
        if (_detached)
        {
            return; // Closing: a chat added now must not leave the stream in the registry.
        }

        if (!_chats.ContainsKey(chatId))
        {
            _registry.Follow(this, chatId);
        }

        _chats[chatId] = position;
    }

    private void UnfollowLocked(long chatId)
    {
        if (_chats.Remove(chatId))
        {
            _watched.Remove(chatId);
            _registry.Unfollow(this, chatId);
        }
    }

    private void Queue(StreamItem item)
    {
        if (!_items.Writer.TryWrite(item) && !_overflowed)
        {
            OverflowLocked();
        }
    }

    private void OverflowLocked()
    {
        _overflowed = true;
        _items.Writer.TryComplete();
        Abort();
    }

    /// <summary>Sends one frame to the client.</summary>
    protected abstract ValueTask SendAsync(string eventName, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken);

    /// <summary>Drops the connection (it did not keep up).</summary>
    protected abstract void Abort();

    /// <summary>Ends the connection once what is queued is sent (the user's sign-ins ended).</summary>
    protected abstract Task EndSignedOutAsync();

    /// <summary>Stops taking events: a last cursor goes out, then the connection ends as signed out.</summary>
    public void End()
    {
        _signedOut = true;
        CompleteWithCursor();
    }

    /// <summary>Sends what is queued, in order, reading from the store what a frame needs when its turn comes.</summary>
    public async Task RunWriterAsync(IServiceScopeFactory scopes, SyncCursors cursors, AttachmentLinks links, CancellationToken cancellationToken)
    {
        try
        {
            await WriteAllAsync(scopes, cursors, links, cancellationToken).ConfigureAwait(false);
            if (_signedOut && !_overflowed)
            {
                await EndSignedOutAsync().ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // The peer went away, or the store failed a read: the client reconnects with its cursor.
        catch (Exception)
#pragma warning restore CA1031
        {
            Abort();
        }
    }

    private async Task WriteAllAsync(IServiceScopeFactory scopes, SyncCursors cursors, AttachmentLinks links, CancellationToken cancellationToken)
    {
        await foreach (var item in _items.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            switch (item.Kind)
            {
                case StreamItemKind.Positions:
                    _sent = new Dictionary<long, SyncChatPosition>(item.Positions!.Chats);
                    _lastCursorAt = _time.GetTimestamp();
                    continue;
                case StreamItemKind.Synced:
                    await SendAsync(item.EventName!, JsonSerializer.SerializeToUtf8Bytes(
                        new SyncedFrame(Cursor(cursors), item.Synced!.Value.Limited, item.Synced.Value.LimitedChats), ChatJsonContext.Default.SyncedFrame), cancellationToken).ConfigureAwait(false);
                    continue;
                case StreamItemKind.Cursor:
                    if (_sent is not null)
                    {
                        await SendCursorAsync(cursors, cancellationToken).ConfigureAwait(false);
                    }

                    continue;
                case StreamItemKind.ChatAdded or StreamItemKind.Unread:
                    await ResolveAsync(item, scopes, links, cancellationToken).ConfigureAwait(false);
                    continue;
                case StreamItemKind.ChatRemoved:
                    _sent?.Remove(item.ChatId);
                    break;
                default:
                    if (item.Seq > 0 && _sent is not null && _sent.TryGetValue(item.ChatId, out var sent))
                    {
                        _sent[item.ChatId] = sent with { Seq = Math.Max(sent.Seq, item.Seq) };
                    }

                    break;
            }

            await SendAsync(item.EventName!, item.Frame, cancellationToken).ConfigureAwait(false);
            if (item.Seq > 0 && _sent is not null && _time.GetElapsedTime(_lastCursorAt) >= _cursorInterval)
            {
                await SendCursorAsync(cursors, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ResolveAsync(StreamItem item, IServiceScopeFactory scopes, AttachmentLinks links, CancellationToken cancellationToken)
    {
        if (item.Kind == StreamItemKind.Unread)
        {
            lock (_lock)
            {
                _unreadQueued.Remove(item.ChatId);
            }
        }

        ChatEvent? resolved;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var sync = scope.ServiceProvider.GetRequiredService<ChatSync>();
            resolved = item.Kind == StreamItemKind.ChatAdded
                ? await sync.GetChatAddedAsync(UserId, item.ChatId, cancellationToken).ConfigureAwait(false)
                : await sync.GetUnreadAsync(UserId, item.ChatId, cancellationToken).ConfigureAwait(false);
        }

        switch (resolved)
        {
            case null:
                return; // No longer in the chat: its chat_removed is on its way.
            case ChatAdded added:
                var kind = added.Kind;
                lock (_lock)
                {
                    if (_chats.TryGetValue(item.ChatId, out var chat))
                    {
                        _chats[item.ChatId] = chat with { Kind = kind };
                    }
                }

                if (_sent is not null)
                {
                    _sent[item.ChatId] = new SyncChatPosition(added.Chat.Seq, added.Chat.Unread, kind);
                }

                break;
            case UnreadCounted unread when _sent is not null && _sent.TryGetValue(item.ChatId, out var sent):
                _sent[item.ChatId] = sent with { Unread = unread.Unread };
                break;
        }

        await SendAsync(item.EventName!, SyncFrames.Serialize(resolved, links), cancellationToken).ConfigureAwait(false);
    }

    private Task SendCursorAsync(SyncCursors cursors, CancellationToken cancellationToken)
    {
        _lastCursorAt = _time.GetTimestamp();
        return SendAsync("cursor", JsonSerializer.SerializeToUtf8Bytes(new CursorFrame(Cursor(cursors)), ChatJsonContext.Default.CursorFrame), cancellationToken).AsTask();
    }

    private string Cursor(SyncCursors cursors) => cursors.Encode(new SyncPosition(UserId, _time.GetUtcNow(), _sent!));

    private enum StreamItemKind : byte
    {
        Frame,
        ChatRemoved,
        ChatAdded,
        Unread,
        Positions,
        Synced,
        Cursor,
    }

    private readonly record struct StreamItem(
        StreamItemKind Kind,
        long ChatId,
        ReadOnlyMemory<byte> Frame = default,
        string? EventName = null,
        long Seq = 0,
        SyncPosition? Positions = null,
        (bool Limited, IReadOnlyList<long> LimitedChats)? Synced = null);
}
