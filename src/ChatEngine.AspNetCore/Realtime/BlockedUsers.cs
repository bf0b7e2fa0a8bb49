using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Who each user on this host blocks, so the broadcaster keeps a blocked user's typing, presence and
/// private-chat reads from reaching them (contract v2, section 6) without reading the store on the
/// delivery path. A user's set is read when they connect (and, failing that, on the first event that
/// asks), and replaced by every block change: this host's through events, other hosts' through the relay.
/// </summary>
internal sealed class BlockedUsers(IServiceScopeFactory scopes)
{
    private static readonly FrozenSet<long> None = FrozenSet<long>.Empty;

    private readonly ConcurrentDictionary<long, FrozenSet<long>> _byUser = new();

    // Bumped by every change of a user's set: a read that raced one is not kept.
    private readonly ConcurrentDictionary<long, long> _versions = new();

    /// <summary>Whether the broadcast must not reach <paramref name="recipientId"/>: ephemeral news of someone they block.</summary>
    public bool Hides(long recipientId, ChatBroadcast broadcast)
    {
        if (broadcast.UserId is not { } actor || actor == recipientId
            || !(broadcast.Kind is BroadcastKind.Typing or BroadcastKind.Status || (broadcast.Kind == BroadcastKind.Read && broadcast.PrivateChat)))
        {
            return false;
        }

        if (_byUser.TryGetValue(recipientId, out var blocked))
        {
            return blocked.Contains(actor);
        }

        _ = LoadAsync(recipientId);
        return false;
    }

    /// <summary>Reads the user's set unless it is known (a connection opening).</summary>
    public Task LoadAsync(long userId) => _byUser.ContainsKey(userId) ? Task.CompletedTask : ReadAsync(userId);

    /// <summary>Replaces a user's set with what a block change says it is now.</summary>
    public void Set(long userId, IReadOnlyCollection<long> blocked)
    {
        _versions.AddOrUpdate(userId, 1, (_, v) => v + 1);
        _byUser[userId] = blocked.Count == 0 ? None : blocked.ToFrozenSet();
    }

    public static byte[] Frame(UserBlocksChanged change) =>
        JsonSerializer.SerializeToUtf8Bytes(change.BlockedUserIds.ToArray(), ChatJsonContext.Default.Int64Array);

    public static long[] Read(ReadOnlySpan<byte> frame) => JsonSerializer.Deserialize(frame, ChatJsonContext.Default.Int64Array) ?? [];

    private async Task ReadAsync(long userId)
    {
        var version = _versions.GetValueOrDefault(userId);
        await using var scope = scopes.CreateAsyncScope();
        if (scope.ServiceProvider.GetService<IChatModerationStore>() is not { } store)
        {
            _byUser.TryAdd(userId, None);
            return;
        }

        var blocks = await store.GetBlocksAsync(userId, CancellationToken.None).ConfigureAwait(false);
        if (_versions.GetValueOrDefault(userId) == version)
        {
            _byUser.TryAdd(userId, blocks.Count == 0 ? None : blocks.Select(b => b.BlockedUserId).ToFrozenSet());
        }
    }
}
