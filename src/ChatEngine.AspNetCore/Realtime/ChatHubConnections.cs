using System.Collections.Concurrent;

namespace ChatEngine.AspNetCore;

/// <summary>Which SignalR connections of which user joined which chat, so removals can take them out of the chat's group.</summary>
internal sealed class ChatHubConnections
{
    private readonly ConcurrentDictionary<string, (long UserId, ConcurrentDictionary<long, byte> Chats)> _connections = new();

    public void Connected(string connectionId, long userId) => _connections[connectionId] = (userId, new ConcurrentDictionary<long, byte>());

    public bool Disconnected(string connectionId) => _connections.TryRemove(connectionId, out _);

    public void Joined(string connectionId, long chatId)
    {
        if (_connections.TryGetValue(connectionId, out var connection))
        {
            connection.Chats[chatId] = 0;
        }
    }

    public void Left(string connectionId, long chatId)
    {
        if (_connections.TryGetValue(connectionId, out var connection))
        {
            connection.Chats.TryRemove(chatId, out _);
        }
    }

    /// <summary>The connections in a chat, of one user or of everyone.</summary>
    public IReadOnlyList<string> InChat(long chatId, long? userId) =>
        _connections.Where(c => (userId is null || c.Value.UserId == userId) && c.Value.Chats.ContainsKey(chatId)).Select(c => c.Key).ToArray();

    public static string GroupName(long chatId) => $"chat:{chatId}";
}
