using System.Collections.Concurrent;

namespace ChatEngine.AspNetCore;

/// <summary>
/// The SignalR connections on this host, by chat: fan-out sends each chat's events to exactly the
/// connections here that joined it, without SignalR groups, so nothing local goes through a backplane.
/// </summary>
internal sealed class ChatHubConnections
{
    private readonly ConcurrentDictionary<string, (long UserId, ConcurrentDictionary<long, byte> Chats, Action Abort)> _connections = new();
    private readonly ConcurrentDictionary<long, ConcurrentDictionary<string, long>> _byChat = new();

    public void Connected(string connectionId, long userId, Action abort) => _connections[connectionId] = (userId, new ConcurrentDictionary<long, byte>(), abort);

    /// <summary>Drops every connection of a user (their sign-ins ended); each leaves through the hub's disconnect as usual.</summary>
    public void AbortUser(long userId)
    {
        foreach (var connection in _connections.Values.Where(c => c.UserId == userId))
        {
            connection.Abort();
        }
    }

    public bool Disconnected(string connectionId)
    {
        if (!_connections.TryRemove(connectionId, out var connection))
        {
            return false;
        }

        foreach (var chatId in connection.Chats.Keys)
        {
            RemoveFromChat(connectionId, chatId);
        }

        return true;
    }

    public void Joined(string connectionId, long chatId)
    {
        if (_connections.TryGetValue(connectionId, out var connection))
        {
            connection.Chats[chatId] = 0;
            _byChat.GetOrAdd(chatId, _ => new ConcurrentDictionary<string, long>())[connectionId] = connection.UserId;
        }
    }

    public void Left(string connectionId, long chatId)
    {
        if (_connections.TryGetValue(connectionId, out var connection))
        {
            connection.Chats.TryRemove(chatId, out _);
        }

        RemoveFromChat(connectionId, chatId);
    }

    /// <summary>The chats a connection joined.</summary>
    public IReadOnlyList<long> JoinedChats(string connectionId) =>
        _connections.TryGetValue(connectionId, out var connection) ? connection.Chats.Keys.ToArray() : [];

    /// <summary>The connections here in a chat, of one user or of everyone.</summary>
    public IReadOnlyList<string> InChat(long chatId, long? userId)
    {
        if (!_byChat.TryGetValue(chatId, out var members) || members.IsEmpty)
        {
            return [];
        }

        return userId is null
            ? members.Keys.ToArray()
            : members.Where(m => m.Value == userId).Select(m => m.Key).ToArray();
    }

    /// <summary>The connections here in a chat of the users <paramref name="include"/> accepts.</summary>
    public IReadOnlyList<string> InChatWhere(long chatId, Func<long, bool> include) =>
        _byChat.TryGetValue(chatId, out var members) ? members.Where(m => include(m.Value)).Select(m => m.Key).ToArray() : [];

    /// <summary>The connections here in a chat, but those of one user.</summary>
    public IReadOnlyList<string> InChatExcept(long chatId, long userId) =>
        _byChat.TryGetValue(chatId, out var members) ? members.Where(m => m.Value != userId).Select(m => m.Key).ToArray() : [];

    private void RemoveFromChat(string connectionId, long chatId)
    {
        if (_byChat.TryGetValue(chatId, out var members))
        {
            members.TryRemove(connectionId, out _);
            if (members.IsEmpty)
            {
                _byChat.TryRemove(new KeyValuePair<long, ConcurrentDictionary<string, long>>(chatId, members));
            }
        }
    }
}
