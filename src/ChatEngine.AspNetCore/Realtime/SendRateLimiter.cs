using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>A token bucket per user, shared by every connection and transport of that user.</summary>
internal class UserRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<long> _limiter;

    protected UserRateLimiter(int burst, int tokensPerPeriod, TimeSpan period)
    {
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = false, // The partitioned limiter refills every bucket on one timer of its own.
        };

        // The limiter asks for a user's partition on every acquire: one factory for all, made once, so
        // a send allocates no delegate (RateLimitPartition.GetTokenBucketLimiter makes two a call).
        Func<long, RateLimiter> newBucket = _ => new TokenBucketRateLimiter(bucket);
        _limiter = PartitionedRateLimiter.Create<long, long>(userId => new RateLimitPartition<long>(userId, newBucket));
    }

    public bool TryAcquire(long userId) => TryAcquire(userId, out _);

    /// <summary>Takes a token; when there is none, says how long until there is.</summary>
    public bool TryAcquire(long userId, out TimeSpan retryAfter)
    {
        using var lease = _limiter.AttemptAcquire(userId);
        retryAfter = !lease.IsAcquired && lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.Zero;
        return lease.IsAcquired;
    }

    public void Dispose()
    {
        _limiter.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Messages one user may send, on every transport together.</summary>
internal sealed class SendRateLimiter(IOptions<ChatTransportOptions> options)
    : UserRateLimiter(options.Value.SendBurst, options.Value.SendsPerSecond, TimeSpan.FromSeconds(1))
{
    public static ChatException RateLimited() =>
        new(ChatErrorKind.RateLimited, ChatErrorCodes.RateLimited, "You are sending messages too fast; slow down.");
}

/// <summary>
/// The REST API's other changes one user may make (groups, members, admins, join codes, joining):
/// each costs several database writes and events, so they have a bucket of their own.
/// </summary>
internal sealed class RestWriteRateLimiter(IOptions<ChatTransportOptions> options)
    : UserRateLimiter(options.Value.RestWriteBurst, options.Value.RestWritesPerMinute, TimeSpan.FromMinutes(1));

/// <summary>Uploads one user may start (<see cref="ChatAttachmentOptions.UploadsPerMinute"/>), a bucket of their own: each writes a file.</summary>
internal sealed class UploadRateLimiter(IOptions<ChatEngineOptions> options)
    : UserRateLimiter(options.Value.Attachments.UploadsPerMinute, options.Value.Attachments.UploadsPerMinute, TimeSpan.FromMinutes(1));

/// <summary><c>/sync/</c> requests one user may make (<see cref="ChatSyncOptions.RequestsPerMinute"/>): each reads every chat of theirs.</summary>
internal sealed class SyncRateLimiter(IOptions<ChatEngineOptions> options)
    : UserRateLimiter(options.Value.Sync.RequestsPerMinute, options.Value.Sync.RequestsPerMinute, TimeSpan.FromMinutes(1));

/// <summary>Exports one user may download (<see cref="ChatPrivacyOptions.ExportsPerHour"/>): each reads everything of theirs.</summary>
internal sealed class ExportRateLimiter(IOptions<ChatEngineOptions> options)
    : UserRateLimiter(options.Value.Privacy.ExportsPerHour, options.Value.Privacy.ExportsPerHour, TimeSpan.FromHours(1));

/// <summary>Message searches one user may make (<see cref="ChatSearchOptions.PerMinute"/>).</summary>
internal sealed class SearchRateLimiter(IOptions<ChatEngineOptions> options)
    : UserRateLimiter(options.Value.Search.PerMinute, options.Value.Search.PerMinute, TimeSpan.FromMinutes(1));
