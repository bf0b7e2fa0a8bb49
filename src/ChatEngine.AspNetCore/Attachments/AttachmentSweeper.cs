using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Deletes uploads that no message carried within <see cref="ChatAttachmentOptions.PendingLifetime"/>:
/// every tenth of that lifetime (at most a minute), on the app's <see cref="TimeProvider"/>. Several
/// hosts may sweep at once: each record is removed by one of them only.
/// </summary>
internal sealed partial class AttachmentSweeper(
    IServiceScopeFactory scopes, TimeProvider time, IOptions<ChatEngineOptions> options, ILogger<AttachmentSweeper> logger) : BackgroundService
{
    private const int BatchSize = 100;

    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromTicks(Math.Min(options.Value.Attachments.PendingLifetime.Ticks / 10, TimeSpan.FromMinutes(1).Ticks));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
                await SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogSweepFailed(logger, ex);
            }
        }
    }

    /// <summary>
    /// Removes every expired upload, a batch at a time. Sweeps of this host run one at a time, so once a
    /// call returns, everything that had expired when it started is gone.
    /// </summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await SweepAloneAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private async Task<int> SweepAloneAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var attachments = scope.ServiceProvider.GetRequiredService<AttachmentService>();
        if (!attachments.IsAvailable)
        {
            return 0;
        }

        var total = 0;
        int removed;
        do
        {
            removed = await attachments.RemoveExpiredAsync(BatchSize, cancellationToken).ConfigureAwait(false);
            total += removed;
        }
        while (removed == BatchSize);

        if (total > 0)
        {
            LogSwept(logger, total);
        }

        return total;
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Deleted {Count} uploads that no message carried in time.")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "Deleting expired uploads failed; trying again later.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
