using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace ChatEngine.AspNetCore;

/// <summary>
/// This host's user streams, by user and by the chats they follow: the broadcaster hands each chat's
/// events to the streams that follow it, under the same per-chat ordering as the chat sockets, so a
/// stream gets every chat's changes in <c>seq</c> order. Snapshots are read without a lock.
/// </summary>
internal sealed class UserStreams
{
    private readonly ConcurrentDictionary<long, ImmutableArray<UserStream>> _byUser = new();
    private readonly ConcurrentDictionary<long, ImmutableArray<UserStream>> _byChat = new();
    private readonly ConcurrentDictionary<string, HubUserStream> _hubStreams = new();

    public void Add(UserStream stream) => _byUser.AddOrUpdate(stream.UserId, [stream], (_, list) => list.Add(stream));

    /// <summary>Takes a stream away with every chat it follows.</summary>
    public void Remove(UserStream stream)
    {
        Remove(_byUser, stream.UserId, stream);
        foreach (var chatId in stream.Detach())
        {
            Remove(_byChat, chatId, stream);
        }

        if (stream is HubUserStream hub)
        {
            _hubStreams.TryRemove(KeyValuePair.Create(hub.ConnectionId, hub));
        }
    }

    public void Follow(UserStream stream, long chatId) => _byChat.AddOrUpdate(chatId, [stream], (_, list) => list.Add(stream));

    public void Unfollow(UserStream stream, long chatId) => Remove(_byChat, chatId, stream);

    /// <summary>Whether a stream here follows the chat (so its gaps are worth filling from the store).</summary>
    public bool Follows(long chatId) => _byChat.ContainsKey(chatId);

    public void AddHub(HubUserStream stream)
    {
        _hubStreams[stream.ConnectionId] = stream;
        Add(stream);
    }

    /// <summary>The stream of a hub connection that subscribed, if it did.</summary>
    public HubUserStream? HubStream(string connectionId) => _hubStreams.GetValueOrDefault(connectionId);

    /// <summary>Whether any hub connection subscribed (so chat deliveries must skip them).</summary>
    public bool AnyHubStreams => !_hubStreams.IsEmpty;

    /// <summary>Hands a chat's broadcast to the streams following it, and a <c>member_added</c> to those of the users it adds; returns how many.</summary>
    public int Deliver(long chatId, ChatBroadcast broadcast, BlockedUsers blocked)
    {
        if (broadcast.Kind is BroadcastKind.Notifications or BroadcastKind.Report)
        {
            var own = _byUser.GetValueOrDefault(broadcast.UserId ?? 0, []);
            foreach (var stream in own)
            {
                stream.Deliver(chatId, broadcast);
            }

            return own.Length;
        }

        var following = _byChat.GetValueOrDefault(chatId, []);
        var delivered = 0;
        foreach (var stream in following)
        {
            if (!blocked.Hides(stream.UserId, broadcast))
            {
                stream.Deliver(chatId, broadcast);
                delivered++;
            }
        }

        if (broadcast.EventName == "member_added" && !_byUser.IsEmpty)
        {
            delivered += DeliverToAdded(chatId, broadcast, following);
        }

        return delivered;
    }

    // Apart, so its filter's capture costs an allocation only when members are added, not on every delivery.
    private int DeliverToAdded(long chatId, ChatBroadcast broadcast, ImmutableArray<UserStream> following)
    {
        var delivered = 0;
        foreach (var userId in ChangeFrames.AddedUserIds(broadcast.Frame))
        {
            foreach (var stream in _byUser.GetValueOrDefault(userId, []).Where(s => !following.Contains(s)))
            {
                stream.Deliver(chatId, broadcast);
                delivered++;
            }
        }

        return delivered;
    }

    /// <summary>Hands a presence change to each stream following any of its chats, once.</summary>
    public int DeliverStatus(ChatBroadcast broadcast, BlockedUsers blocked)
    {
        var streams = new HashSet<UserStream>();
        foreach (var chatId in broadcast.ChatIds)
        {
            streams.UnionWith(_byChat.GetValueOrDefault(chatId, []));
        }

        streams.RemoveWhere(s => blocked.Hides(s.UserId, broadcast));
        foreach (var stream in streams)
        {
            stream.DeliverStatus(broadcast);
        }

        return streams.Count;
    }

    /// <summary>Ends every stream of a user (their sign-ins ended) with a last cursor, from which a new sign-in reads what it missed.</summary>
    public void EndUser(long userId)
    {
        foreach (var stream in _byUser.GetValueOrDefault(userId, []))
        {
            stream.End();
        }
    }

    /// <summary>Ends every stream with a fresh cursor (the host is stopping).</summary>
    public void CompleteAllWithCursor()
    {
        foreach (var stream in _byUser.Values.SelectMany(s => s))
        {
            stream.CompleteWithCursor();
        }
    }

    private static void Remove(ConcurrentDictionary<long, ImmutableArray<UserStream>> map, long key, UserStream stream)
    {
        while (map.TryGetValue(key, out var list))
        {
            var updated = list.Remove(stream);
            if (updated.IsEmpty ? map.TryRemove(KeyValuePair.Create(key, list)) : map.TryUpdate(key, updated, list))
            {
                return;
            }
        }
    }
}
