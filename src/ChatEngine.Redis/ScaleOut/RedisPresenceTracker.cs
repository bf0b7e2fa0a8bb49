using Microsoft.Extensions.Logging;
using StackExchange.Redis;

using ChatEngine.AspNetCore;

namespace ChatEngine.Redis;

/// <summary>
/// Presence shared by every host: each user has a Redis hash of open connections per host, changed
/// atomically by small scripts, so "first connection anywhere" and "last connection anywhere" are
/// exact across hosts. Counts of this host are also kept here, to answer while Redis is away and to
/// write back when it returns (see <see cref="RedisPresenceLeases"/>). While Redis is away no
/// transition is announced: better a late status than a wrong one.
/// </summary>
internal sealed partial class RedisPresenceTracker(RedisConnection redis, ILogger<RedisPresenceTracker> logger) : IPresenceTracker
{
    // @user: the user's hash of connections per host; @hostUsers: this host's set of users.
    private static readonly LuaScript Connect = LuaScript.Prepare("""
        redis.call('HINCRBY', @user, @host, 1)
        redis.call('SADD', @hostUsers, @userId)
        local total = 0
        for _, count in ipairs(redis.call('HVALS', @user)) do total = total + tonumber(count) end
        return total
        """);

    private static readonly LuaScript Disconnect = LuaScript.Prepare("""
        if redis.call('HINCRBY', @user, @host, -1) <= 0 then
          redis.call('HDEL', @user, @host)
          redis.call('SREM', @hostUsers, @userId)
        end
        return redis.call('HLEN', @user)
        """);

    private readonly Dictionary<long, int> _local = [];
    private readonly Lock _lock = new();
    private readonly HashSet<long> _unsynced = [];

    public async ValueTask<bool> ConnectAsync(long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _local[userId] = _local.GetValueOrDefault(userId) + 1;
        }

        var total = await EvaluateAsync(Connect, userId).ConfigureAwait(false);
        return total == 1;
    }

    public async ValueTask<bool> DisconnectAsync(long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_local.TryGetValue(userId, out var count))
            {
                return false;
            }

            if (count > 1)
            {
                _local[userId] = count - 1;
            }
            else
            {
                _local.Remove(userId);
            }
        }

        var remaining = await EvaluateAsync(Disconnect, userId).ConfigureAwait(false);
        return remaining == 0;
    }

    public async ValueTask<IReadOnlySet<long>> GetOnlineAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
    {
        var ids = userIds.Distinct().ToArray();
        if (redis.Current is { IsConnected: true } connection)
        {
            try
            {
                var database = connection.GetDatabase();
                var batch = database.CreateBatch();
                var checks = ids.Select(id => batch.KeyExistsAsync(redis.Keys.UserConnections(id))).ToArray();
                batch.Execute();
                await Task.WhenAll(checks).ConfigureAwait(false);
                return ids.Where((_, i) => checks[i].Result).ToHashSet();
            }
            catch (Exception error) when (error is RedisException or RedisTimeoutException)
            {
                LogRedisFailed(logger, error);
            }
        }

        lock (_lock)
        {
            return ids.Where(_local.ContainsKey).ToHashSet(); // Redis away: who is here, at least.
        }
    }

    /// <summary>
    /// The users whose update failed since the last call: Redis may disagree with this host about
    /// them (one who left during an outage may still count there), and nobody was told of the change,
    /// so the leases write this host's state back and announce who is offline.
    /// </summary>
    public long[] TakeUnsynced()
    {
        lock (_lock)
        {
            var users = _unsynced.ToArray();
            _unsynced.Clear();
            return users;
        }
    }

    /// <summary>This host's counts, to write back after Redis lost them.</summary>
    public KeyValuePair<long, int>[] LocalConnections()
    {
        lock (_lock)
        {
            return _local.ToArray();
        }
    }

    private async Task<long?> EvaluateAsync(LuaScript script, long userId)
    {
        if (redis.Current is not { IsConnected: true } connection)
        {
            MarkUnsynced(userId);
            return null;
        }

        try
        {
            var result = await connection.GetDatabase().ScriptEvaluateAsync(script, new
            {
                user = redis.Keys.UserConnections(userId),
                hostUsers = redis.Keys.HostUsers(redis.HostId),
                host = redis.HostId.ToString("N"),
                userId,
            }).ConfigureAwait(false);
            return (long)result;
        }
        catch (Exception error) when (error is RedisException or RedisTimeoutException)
        {
            MarkUnsynced(userId);
            LogRedisFailed(logger, error);
            return null;
        }
    }

    private void MarkUnsynced(long userId)
    {
        lock (_lock)
        {
            _unsynced.Add(userId);
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Updating presence in Redis failed; it is written back when Redis returns.")]
    private static partial void LogRedisFailed(ILogger logger, Exception exception);
}
