using Microsoft.Extensions.Options;
using StackExchange.Redis;

using ChatEngine.AspNetCore;

namespace ChatEngine.Redis;

/// <summary>
/// The one Redis connection of this host, shared by the broadcast relay, presence and the SignalR
/// backplane. It connects on first use and never fails start-up: while Redis is away, commands fail
/// fast (nothing queues up to be replayed late) and the connection keeps retrying in the background.
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable, IDisposable
{
    private readonly Lazy<Task<ConnectionMultiplexer>> _connection;

    public RedisConnection(string connectionString, IOptions<ChatScaleOutOptions> options)
    {
        var configuration = ConfigurationOptions.Parse(connectionString);
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ClientName ??= $"chatengine-{HostId:N}";
        _connection = new Lazy<Task<ConnectionMultiplexer>>(() => ConnectionMultiplexer.ConnectAsync(configuration));
        Keys = new RedisKeys(options.Value.KeyPrefix);
    }

    /// <summary>This host's identity in Redis: its broadcasts' origin and its presence lease.</summary>
    public Guid HostId { get; } = Guid.NewGuid();

    public RedisKeys Keys { get; }

    public Task<ConnectionMultiplexer> GetAsync() => _connection.Value;

    /// <summary>The connection, if it has been made (connected or not).</summary>
    public ConnectionMultiplexer? Current =>
        _connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully ? _connection.Value.Result : null;

    public bool IsConnected => Current?.IsConnected == true;

    public void Dispose() => Current?.Dispose();

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated)
        {
            await (await _connection.Value.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>Every key and channel name, under the configured prefix.</summary>
internal sealed class RedisKeys(string prefix)
{
    public RedisChannel Broadcasts { get; } = RedisChannel.Literal($"{prefix}:broadcasts");

    public RedisChannel SignalRPrefix { get; } = RedisChannel.Literal($"{prefix}:signalr");

    /// <summary>Hash: host id → this user's open connections on that host.</summary>
    public RedisKey UserConnections(long userId) => $"{prefix}:presence:user:{userId}";

    /// <summary>Set: users with connections on a host, so they can be taken offline if it dies.</summary>
    public RedisKey HostUsers(Guid hostId) => $"{prefix}:presence:host-users:{hostId:N}";

    /// <summary>String with a time to live: the host's lease, renewed while it runs.</summary>
    public RedisKey HostLease(Guid hostId) => $"{prefix}:presence:lease:{hostId:N}";

    /// <summary>Set: every host that holds (or held) connections.</summary>
    public RedisKey Hosts { get; } = $"{prefix}:presence:hosts";

    /// <summary>Taken by the one host that takes a dead host's users offline.</summary>
    public RedisKey Reaping(Guid hostId) => $"{prefix}:presence:reaping:{hostId:N}";
}
