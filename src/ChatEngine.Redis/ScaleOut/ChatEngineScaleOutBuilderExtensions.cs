using ChatEngine;
using ChatEngine.AspNetCore;
using ChatEngine.Redis;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Scale-out: several identical hosts sharing one database and one Redis.</summary>
public static class ChatEngineScaleOutBuilderExtensions
{
    /// <summary>
    /// Shares broadcasts (messages, reads, typing, status) and presence between hosts through Redis,
    /// and adds the SignalR Redis backplane. Every host must use the same database. Without this call
    /// ChatEngine runs on one host, in memory. Adds a <c>chatengine-redis</c> health check that reports
    /// Degraded while Redis is away (messages are still stored; other hosts catch up when it returns).
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="connectionString">A StackExchange.Redis connection string, for example <c>redis:6379</c>.</param>
    /// <param name="configure">Key prefix and presence lease; also bound from <c>ChatEngine:ScaleOut</c>.</param>
    public static ChatEngineBuilder AddRedisScaleOut(this ChatEngineBuilder builder, string connectionString, Action<ChatScaleOutOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(RedisConnection)))
        {
            return builder; // Already on: one connection, one relay, one health check.
        }

        var options = services.AddOptions<ChatScaleOutOptions>().BindConfiguration("ChatEngine:ScaleOut").ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatScaleOutOptions>, ChatScaleOutOptionsValidator>());
        services.TryAddSingleton(sp => new RedisConnection(connectionString, sp.GetRequiredService<IOptions<ChatScaleOutOptions>>()));

        services.RemoveAll<IChatBroadcastRelay>();
        services.AddSingleton<RedisBroadcastRelay>();
        services.AddSingleton<IChatBroadcastRelay>(sp => sp.GetRequiredService<RedisBroadcastRelay>());
        services.AddHostedService(sp => sp.GetRequiredService<RedisBroadcastRelay>());

        services.AddSingleton<RedisPresenceTracker>();
        services.RemoveAll<IPresenceTracker>();
        services.AddSingleton<IPresenceTracker>(sp => sp.GetRequiredService<RedisPresenceTracker>());
        services.AddHostedService<RedisPresenceLeases>();

        // The backplane lets the app's own IHubContext<ChatHub> calls reach every host; ChatEngine's
        // events go through the relay above, in order, to each host's own connections.
        services.AddSignalR().AddStackExchangeRedis();
        services.RemoveAll<HubLifetimeManager<ChatHub>>();
        services.AddSingleton<HubLifetimeManager<ChatHub>>(sp => new OutageTolerantHubLifetimeManager(
            ActivatorUtilities.CreateInstance<RedisHubLifetimeManager<ChatHub>>(sp), sp.GetRequiredService<ILogger<OutageTolerantHubLifetimeManager>>()));
        services.AddOptions<Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions>()
            .Configure<RedisConnection>((o, redis) =>
            {
                o.Configuration.ChannelPrefix = redis.Keys.SignalRPrefix;
                o.ConnectionFactory = async _ => await redis.GetAsync().ConfigureAwait(false);   // one connection per host
            });

        services.AddHealthChecks().AddCheck<RedisHealthCheck>("chatengine-redis", tags: ["chatengine", "redis"]);
        return builder;
    }
}
