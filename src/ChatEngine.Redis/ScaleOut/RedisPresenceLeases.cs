using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

using ChatEngine.AspNetCore;

namespace ChatEngine.Redis;

/// <summary>
/// Keeps this host's presence lease alive and takes the users of dead hosts offline. Every third of
/// the lease it renews its own lease, writes this host's state back when Redis lost it (a restart) or
/// missed updates (an outage: users who left meanwhile go offline then), and looks for hosts whose
/// lease ran out: one host claims each, removes its connections, and announces offline (with last
/// seen) every user left with none.
/// </summary>
internal sealed partial class RedisPresenceLeases(
    RedisConnection redis,
    RedisPresenceTracker tracker,
    IServiceScopeFactory scopes,
    IOptions<ChatScaleOutOptions> options,
    TimeProvider time,
    ILogger<RedisPresenceLeases> logger) : BackgroundService
{
    private readonly TimeSpan _lease = options.Value.PresenceLease;
    private bool _redisFailureLogged;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var connection = await redis.GetAsync().ConfigureAwait(false);
        using var timer = new PeriodicTimer(_lease / 3, time);
        do
        {
            try
            {
                if (connection.IsConnected)
                {
                    await RenewAsync(connection.GetDatabase(), stoppingToken).ConfigureAwait(false);
                    await ReapDeadHostsAsync(connection.GetDatabase(), stoppingToken).ConfigureAwait(false);
                    _redisFailureLogged = false;
                }
            }
#pragma warning disable CA1031 // Redis or the store failing must not stop the host: retry on the next tick.
            catch (Exception error) when (!stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                if (!_redisFailureLogged)
                {
                    _redisFailureLogged = true;
                    LogRenewFailed(logger, error);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (redis.Current is { IsConnected: true } connection)
        {
            try
            {
                // A clean stop: connections have closed (and said so); give up the lease at once.
                var database = connection.GetDatabase();
                await database.KeyDeleteAsync(redis.Keys.HostLease(redis.HostId)).ConfigureAwait(false);
            }
            catch (Exception error) when (error is RedisException or RedisTimeoutException)
            {
                // The lease runs out by itself.
            }
        }
    }

    private async Task RenewAsync(IDatabase database, CancellationToken cancellationToken)
    {
        var previous = await database.StringSetAndGetAsync(redis.Keys.HostLease(redis.HostId), "1", _lease).ConfigureAwait(false);
        await database.SetAddAsync(redis.Keys.Hosts, redis.HostId.ToString("N")).ConfigureAwait(false);

        // A new lease (first start, Redis restarted, or reaped after a long pause), or updates that
        // failed while Redis was away: make Redis say exactly what this host holds.
        var unsynced = tracker.TakeUnsynced();
        if (previous.IsNull || unsynced.Length > 0)
        {
            await WriteBackAsync(database, unsynced, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WriteBackAsync(IDatabase database, long[] unsynced, CancellationToken cancellationToken)
    {
        var host = redis.HostId.ToString("N");
        var local = tracker.LocalConnections().ToDictionary(c => c.Key, c => c.Value);
        var recorded = (await database.SetMembersAsync(redis.Keys.HostUsers(redis.HostId)).ConfigureAwait(false)).Select(m => (long)m);
        var gone = new List<long>();
        foreach (var userId in recorded.Concat(unsynced).Distinct().Where(u => !local.ContainsKey(u)))
        {
            // Left while Redis could not be told (or was told too late for anyone to announce it).
            await database.HashDeleteAsync(redis.Keys.UserConnections(userId), host).ConfigureAwait(false);
            await database.SetRemoveAsync(redis.Keys.HostUsers(redis.HostId), userId).ConfigureAwait(false);
            if (!await database.KeyExistsAsync(redis.Keys.UserConnections(userId)).ConfigureAwait(false))
            {
                gone.Add(userId);
            }
        }

        if (local.Count > 0)
        {
            var batch = database.CreateBatch();
            var writes = new List<Task>();
            foreach (var (userId, count) in local)
            {
                writes.Add(batch.HashSetAsync(redis.Keys.UserConnections(userId), host, count));
                writes.Add(batch.SetAddAsync(redis.Keys.HostUsers(redis.HostId), userId));
            }

            batch.Execute();
            await Task.WhenAll(writes).ConfigureAwait(false);
        }

        LogRestored(logger, local.Count);
        await AnnounceOfflineAsync(gone, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }

    private async Task ReapDeadHostsAsync(IDatabase database, CancellationToken cancellationToken)
    {
        foreach (var member in await database.SetMembersAsync(redis.Keys.Hosts).ConfigureAwait(false))
        {
            if (!Guid.TryParseExact(member.ToString(), "N", out var hostId) || hostId == redis.HostId
                || await database.KeyExistsAsync(redis.Keys.HostLease(hostId)).ConfigureAwait(false)
                || !await database.StringSetAsync(redis.Keys.Reaping(hostId), redis.HostId.ToString("N"), _lease, When.NotExists).ConfigureAwait(false))
            {
                continue;
            }

            var offline = new List<long>();
            foreach (var user in await database.SetMembersAsync(redis.Keys.HostUsers(hostId)).ConfigureAwait(false))
            {
                var userId = (long)user;
                await database.HashDeleteAsync(redis.Keys.UserConnections(userId), hostId.ToString("N")).ConfigureAwait(false);
                if (!await database.KeyExistsAsync(redis.Keys.UserConnections(userId)).ConfigureAwait(false))
                {
                    offline.Add(userId);
                }
            }

            await database.KeyDeleteAsync(redis.Keys.HostUsers(hostId)).ConfigureAwait(false);
            await database.SetRemoveAsync(redis.Keys.Hosts, member).ConfigureAwait(false);
            LogReaped(logger, hostId, offline.Count);

            // Their last connection went with the host; the lease bounds when that was.
            await AnnounceOfflineAsync(offline, time.GetUtcNow() - _lease, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task AnnounceOfflineAsync(List<long> userIds, DateTimeOffset lastSeen, CancellationToken cancellationToken)
    {
        if (userIds.Count == 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var presence = scope.ServiceProvider.GetRequiredService<PresenceService>();
        foreach (var userId in userIds)
        {
            await presence.ConnectionsLostAsync(userId, lastSeen, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Renewing this host's presence lease or taking a dead host's users offline failed; retrying.")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Wrote this host's presence ({Count} users) back to Redis.")]
    private static partial void LogRestored(ILogger logger, int count);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "Host {HostId} stopped renewing its presence lease; took {Count} users offline.")]
    private static partial void LogReaped(ILogger logger, Guid hostId, int count);
}
