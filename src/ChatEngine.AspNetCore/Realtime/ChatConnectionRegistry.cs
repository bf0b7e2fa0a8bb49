using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Live raw WebSockets by chat. Fan-out reads a chat's sockets as an immutable snapshot without a
/// lock; joins and leaves copy the (small) list.
/// </summary>
internal sealed class ChatConnectionRegistry
{
    private readonly ConcurrentDictionary<long, ImmutableArray<ChatSocket>> _chatSockets = new();
    private readonly ConcurrentDictionary<long, ImmutableArray<FileSocket>> _fileSockets = new();
    private readonly ConcurrentDictionary<long, int> _fileSocketsPerUser = new();

    public ImmutableArray<ChatSocket> ChatSockets(long chatId) => _chatSockets.GetValueOrDefault(chatId, []);

    public ImmutableArray<FileSocket> FileSockets(long chatId) => _fileSockets.GetValueOrDefault(chatId, []);

    public void Add(ChatSocket socket) => _chatSockets.AddOrUpdate(socket.ChatId, [socket], (_, list) => list.Add(socket));

    public void Remove(ChatSocket socket) => Remove(_chatSockets, socket.ChatId, socket);

    /// <summary>Adds a file socket unless its user already has <paramref name="maxPerUser"/> open.</summary>
    public bool TryAdd(FileSocket socket, int maxPerUser)
    {
        if (_fileSocketsPerUser.AddOrUpdate(socket.UserId, 1, (_, count) => count + 1) > maxPerUser)
        {
            ReleaseFileSocketSlot(socket.UserId);
            return false;
        }

        _fileSockets.AddOrUpdate(socket.ChatId, [socket], (_, list) => list.Add(socket));
        return true;
    }

    public void Remove(FileSocket socket)
    {
        Remove(_fileSockets, socket.ChatId, socket);
        ReleaseFileSocketSlot(socket.UserId);
    }

    private void ReleaseFileSocketSlot(long userId)
    {
        if (_fileSocketsPerUser.AddOrUpdate(userId, 0, (_, count) => count - 1) <= 0)
        {
            _fileSocketsPerUser.TryRemove(KeyValuePair.Create(userId, 0));
        }
    }

    /// <summary>Drops the sockets of a user (or of everyone) in a chat, after a removal or deletion.</summary>
    public void Disconnect(long chatId, long? userId)
    {
        foreach (var socket in ChatSockets(chatId).Where(s => userId is null || s.UserId == userId))
        {
            socket.CloseAfterQueued();
        }

        foreach (var socket in FileSockets(chatId).Where(s => userId is null || s.UserId == userId))
        {
            socket.Abort();
        }
    }

    /// <summary>Closes every socket of a user, in every chat: their sign-ins ended. Rare, so a walk over every chat.</summary>
    public void CloseUser(long userId)
    {
        foreach (var socket in _chatSockets.Values.SelectMany(list => list).Where(s => s.UserId == userId))
        {
            socket.CloseAfterQueued(ChatSocket.SignedOut);
        }

        foreach (var socket in _fileSockets.Values.SelectMany(list => list).Where(s => s.UserId == userId))
        {
            socket.Abort();
        }
    }

    private static void Remove<T>(ConcurrentDictionary<long, ImmutableArray<T>> map, long chatId, T item)
    {
        while (map.TryGetValue(chatId, out var list))
        {
            var updated = list.Remove(item);
            if (updated.IsEmpty ? map.TryRemove(new KeyValuePair<long, ImmutableArray<T>>(chatId, list)) : map.TryUpdate(chatId, updated, list))
            {
                return;
            }
        }
    }
}
