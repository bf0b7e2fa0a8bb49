using Microsoft.Extensions.Diagnostics.HealthChecks;

using ChatEngine.AspNetCore;

namespace ChatEngine.Redis;

/// <summary>
/// Degraded, not unhealthy, while Redis is away: this host still stores and delivers messages; only
/// other hosts' connections wait (and catch up), so a load balancer should keep sending it traffic.
/// </summary>
internal sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(redis.IsConnected
            ? HealthCheckResult.Healthy("Redis is connected: broadcasts and presence are shared between hosts.")
            : HealthCheckResult.Degraded("Redis is unreachable: messages are stored and delivered on this host; other hosts catch up when it returns."));
}
