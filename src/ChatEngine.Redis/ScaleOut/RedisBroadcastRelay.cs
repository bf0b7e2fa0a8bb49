using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

using ChatEngine.AspNetCore;

namespace ChatEngine.Redis;

/// <summary>
/// Relays broadcasts between hosts over one Redis pub/sub channel. Each host publishes what happened
/// on it, in the order it happened, and delivers what the others publish to its own connections
/// (never its own echo, so each connection gets each event once). Redis pub/sub keeps no history: a
/// broadcast lost while Redis is away is read from the store when the gap shows or Redis returns.
/// </summary>
internal sealed partial class RedisBroadcastRelay(
    RedisConnection redis,
    ChatBroadcaster broadcaster,
    ILogger<RedisBroadcastRelay> logger) : IChatBroadcastRelay, IHostedService
{
    private static readonly TimeSpan[] RecoveryRetries = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4)];

    private readonly Lock _subscribing = new();
    private ChannelMessageQueue? _subscription;
    private int _publishFailuresLogged;

    public void Publish(ChatBroadcast broadcast)
    {
        if (redis.Current is not { IsConnected: true } connection)
        {
            return; // Other hosts read it from the store once Redis is back.
        }

        try
        {
            connection.GetSubscriber().Publish(redis.Keys.Broadcasts, BroadcastCodec.Encode(redis.HostId, broadcast), CommandFlags.FireAndForget);
            Interlocked.Exchange(ref _publishFailuresLogged, 0);
        }
        catch (Exception error) when (error is RedisException or RedisTimeoutException)
        {
            if (Interlocked.Exchange(ref _publishFailuresLogged, 1) == 0)
            {
                LogPublishFailed(logger, error);
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var connection = await redis.GetAsync().ConfigureAwait(false);
        connection.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                _ = RecoverAsync();
            }
        };

        if (!connection.IsConnected)
        {
            LogRedisUnavailable(logger);
        }

        await SubscribeAsync(connection).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_subscription is { } subscription)
        {
            await subscription.UnsubscribeAsync().ConfigureAwait(false);
        }
    }

    private async Task SubscribeAsync(ConnectionMultiplexer connection)
    {
        lock (_subscribing)
        {
            if (_subscription is not null)
            {
                return;
            }
        }

        try
        {
            // Once subscribed, the client re-subscribes by itself after every reconnect.
            var subscription = await connection.GetSubscriber().SubscribeAsync(redis.Keys.Broadcasts).ConfigureAwait(false);
            lock (_subscribing)
            {
                if (_subscription is null)
                {
                    _subscription = subscription;
                    subscription.OnMessage(Receive);
                    return;
                }
            }

            await subscription.UnsubscribeAsync().ConfigureAwait(false);
        }
        catch (Exception error) when (error is RedisException or RedisTimeoutException)
        {
            // Redis is away at start-up: subscribe when it comes back (ConnectionRestored).
        }
    }

    private async Task RecoverAsync()
    {
        try
        {
            LogRedisRestored(logger);
            await SubscribeAsync(await redis.GetAsync().ConfigureAwait(false)).ConfigureAwait(false);
            await broadcaster.CatchUpAsync().ConfigureAwait(false);

            // The client re-subscribes on its own once the connection is back, a moment after this
            // runs: what other hosts published in between never arrives, and is read from the store
            // by catching up again once that moment has surely passed.
            foreach (var wait in RecoveryRetries)
            {
                await Task.Delay(wait).ConfigureAwait(false);
                await broadcaster.CatchUpAsync().ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // A background recovery must log, not crash the process.
        catch (Exception error)
#pragma warning restore CA1031
        {
            LogRecoveryFailed(logger, error);
        }
    }

    private void Receive(ChannelMessage message)
    {
        byte[]? payload = message.Message;
        if (payload is null || !BroadcastCodec.TryDecode(payload, out var origin, out var broadcast) || origin == redis.HostId)
        {
            return;
        }

        try
        {
            broadcaster.Deliver(broadcast!);
        }
#pragma warning disable CA1031 // One bad broadcast must not end the subscription.
        catch (Exception error)
#pragma warning restore CA1031
        {
            LogDeliveryFailed(logger, error);
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Redis is unreachable: messages are still stored and delivered on this host; other hosts catch up when it returns.")]
    private static partial void LogRedisUnavailable(ILogger logger);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Publishing a broadcast to Redis failed; other hosts will read it from the store.")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Redis is back: catching up the chats watched on this host.")]
    private static partial void LogRedisRestored(ILogger logger);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error, Message = "Catching up after Redis returned failed.")]
    private static partial void LogRecoveryFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "Delivering a broadcast from another host failed.")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception);
}
