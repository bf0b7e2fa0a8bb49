using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>A token bucket per user, shared by every connection and transport of that user.</summary>
internal sealed class SendRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<long> _limiter;

    public SendRateLimiter(IOptions<ChatTransportOptions> options)
    {
        var settings = options.Value;
        _limiter = PartitionedRateLimiter.Create<long, long>(userId => RateLimitPartition.GetTokenBucketLimiter(userId, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = settings.SendBurst,
            TokensPerPeriod = settings.SendsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    public bool TryAcquire(long userId)
    {
        using var lease = _limiter.AttemptAcquire(userId);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();

    public static ChatException RateLimited() =>
        new(ChatErrorKind.RateLimited, ChatErrorCodes.RateLimited, "You are sending messages too fast; slow down.");
}
