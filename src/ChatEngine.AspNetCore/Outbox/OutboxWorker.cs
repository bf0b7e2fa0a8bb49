using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatEngine.AspNetCore;

/// <summary>Sends the outbox's deliveries of one kind (webhooks, pushes).</summary>
internal interface IOutboxDeliverer
{
    /// <summary>The <see cref="OutboxMessage.Kind"/> it sends.</summary>
    string Kind { get; }

    /// <summary>Whether this host sends them (it has the configuration: endpoints and secrets, keys).</summary>
    bool IsEnabled { get; }

    /// <summary>How long a claim holds a delivery: longer than one attempt can take.</summary>
    TimeSpan Lease { get; }

    /// <summary>Makes one attempt; returns the delivery as it stands after it (delivered, failed, or due again).</summary>
    Task<OutboxMessage> DeliverAsync(OutboxMessage message, IServiceProvider services, CancellationToken cancellationToken);
}

/// <summary>
/// Sends what the outbox holds, on every host: each poll claims what is due (a lease, so hosts never
/// send one delivery at once, and one that died with it lets it go when the lease ends), attempts it,
/// and records the outcome. Polls every second on the app's <see cref="TimeProvider"/>.
/// </summary>
internal sealed partial class OutboxWorker(
    IServiceScopeFactory scopes, IEnumerable<IOutboxDeliverer> deliverers, TimeProvider time, ILogger<OutboxWorker> logger) : BackgroundService
{
    private const int BatchSize = 32;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly IOutboxDeliverer[] _deliverers = deliverers.ToArray();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_deliverers.Any(d => d.IsEnabled))
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var sent = 0;
                foreach (var deliverer in _deliverers.Where(d => d.IsEnabled))
                {
                    sent += await DeliverDueAsync(deliverer, stoppingToken).ConfigureAwait(false);
                }

                if (sent < BatchSize)
                {
                    await Task.Delay(PollInterval, time, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database is away, say: the deliveries wait in it; try again on the next poll.
                LogPollFailed(logger, ex);
                await Task.Delay(PollInterval, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<int> DeliverDueAsync(IOutboxDeliverer deliverer, CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var outbox = scope.ServiceProvider.GetRequiredService<IChatOutboxStore>();
        var now = time.GetUtcNow();
        var claimed = await outbox.ClaimDueAsync(deliverer.Kind, now, now + deliverer.Lease, BatchSize, stoppingToken).ConfigureAwait(false);
        await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = stoppingToken }, async (message, token) =>
        {
            await using var attemptScope = scopes.CreateAsyncScope();
            var outcome = await deliverer.DeliverAsync(message, attemptScope.ServiceProvider, token).ConfigureAwait(false);
            await attemptScope.ServiceProvider.GetRequiredService<IChatOutboxStore>().CompleteAsync(outcome, CancellationToken.None).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return claimed.Count;
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Reading the outbox failed; trying again shortly.")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
