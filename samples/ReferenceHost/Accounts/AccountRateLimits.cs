using System.Globalization;
using System.Threading.RateLimiting;
using ChatEngine;
using Microsoft.AspNetCore.RateLimiting;

namespace ReferenceHost.Accounts;

/// <summary>Request limits of the anonymous account routes (section <c>RateLimits</c>).</summary>
public sealed class AccountRateLimitOptions
{
    /// <summary>Requests one address may make to the account routes in a burst. Default 20.</summary>
    public int AccountBurst { get; set; } = 20;

    /// <summary>Account route requests one address earns back per minute after a burst. Default 10.</summary>
    public int AccountRequestsPerMinute { get; set; } = 10;
}

/// <summary>
/// Login, token, refresh, registration and logout cost a password hash or a database write each:
/// one address gets a token bucket of them. The address is the connection's, or the client's as a
/// trusted proxy forwarded it (see <c>ReverseProxy:KnownProxies</c>); never a header anyone can set.
/// </summary>
internal static class AccountRateLimits
{
    public const string Policy = "accounts";

    public static IServiceCollection AddAccountRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.GetSection("RateLimits").Get<AccountRateLimitOptions>() ?? new AccountRateLimitOptions();
        if (settings.AccountBurst < 1 || settings.AccountRequestsPerMinute < 1)
        {
            throw new InvalidOperationException("RateLimits:AccountBurst and RateLimits:AccountRequestsPerMinute must be at least 1.");
        }

        return services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(Policy, context => RateLimitPartition.GetTokenBucketLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = settings.AccountBurst,
                    TokensPerPeriod = settings.AccountRequestsPerMinute,
                    ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var response = rejected.HttpContext.Response;
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                response.Headers.RetryAfter = Math.Max(1, Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await Results.Problem(detail: "Too many requests from this address; try again later.", statusCode: StatusCodes.Status429TooManyRequests,
                    extensions: new Dictionary<string, object?> { ["code"] = ChatErrorCodes.RateLimited }).ExecuteAsync(rejected.HttpContext);
            };
        });
    }
}
