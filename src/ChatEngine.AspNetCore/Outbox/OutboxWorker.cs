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
/// and records the outcomes. Polls every second on the app's <see cref="TimeProvider"/>, on a thread
/// of its own: on SQLite the store's async calls block (each write for the database's write lock and
/// its sync), and a push cycle's polls on the thread pool held its few threads from the sockets' work
/// for 40 to 50 ms under load.
/// </summary>
internal sealed partial class OutboxWorker(
    IServiceScopeFactory scopes, IEnumerable<IOutboxDeliverer> deliverers, TimeProvider time, ILogger<OutboxWorker> logger) : BackgroundService
{
    private const int BatchSize = 32;
    private const int MaxConcurrentAttempts = 8;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly IOutboxDeliverer[] _deliverers = deliverers.ToArray();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _deliverers.Any(d => d.IsEnabled)
            ? Task.Factory.StartNew(() => Run(stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            : Task.CompletedTask;

    private void Run(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var sent = 0;
            try
            {
                foreach (var deliverer in _deliverers.Where(d => d.IsEnabled))
                {
                    sent += DeliverDue(deliverer, stoppingToken);
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
            }

            if (sent < BatchSize && !WaitForNextPoll(stoppingToken))
            {
                return;
            }
        }
    }

    private bool WaitForNextPoll(CancellationToken stoppingToken)
    {
        try
        {
            Task.Delay(PollInterval, time, stoppingToken).GetAwaiter().GetResult();
            return true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private int DeliverDue(IOutboxDeliverer deliverer, CancellationToken stoppingToken)
    {
        var scope = scopes.CreateAsyncScope();
        try
        {
            var outbox = scope.ServiceProvider.GetRequiredService<IChatOutboxStore>();
            var now = time.GetUtcNow();
            var claimed = outbox.ClaimDueAsync(deliverer.Kind, now, now + deliverer.Lease, BatchSize, stoppingToken).GetAwaiter().GetResult();
            if (claimed.Count > 0)
            {
                // Recorded together, on this thread: on SQLite every write takes the one write lock from the send path's write loop.
                outbox.CompleteAsync(AttemptAll(deliverer, claimed, stoppingToken), CancellationToken.None).GetAwaiter().GetResult();
            }

            return claimed.Count;
        }
        finally
        {
            scope.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Attempts the claimed deliveries, at most <see cref="MaxConcurrentAttempts"/> at once, each started
    /// on this thread: what a deliverer does before it first really waits (all of it, on SQLite, for one
    /// that only reads and writes the database) runs here rather than on the thread pool.
    /// </summary>
    private List<OutboxMessage> AttemptAll(IOutboxDeliverer deliverer, IReadOnlyList<OutboxMessage> claimed, CancellationToken stoppingToken)
    {
        using var slots = new SemaphoreSlim(MaxConcurrentAttempts);
        var attempts = new List<Task<OutboxMessage?>>(claimed.Count);
        foreach (var message in claimed)
        {
            try
            {
                slots.Wait(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break; // Stopping: what is not attempted waits for its lease to end.
            }

            attempts.Add(AttemptAsync(deliverer, message, slots, stoppingToken));
        }

        // Waited for even when stopping, so every finished attempt is recorded and none outlives its slots.
        return Task.WhenAll(attempts).GetAwaiter().GetResult().OfType<OutboxMessage>().ToList();
    }

    /// <summary>One attempt; null when it threw, which leaves the delivery to be tried again once its lease ends.</summary>
    private async Task<OutboxMessage?> AttemptAsync(IOutboxDeliverer deliverer, OutboxMessage message, SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            return await deliverer.DeliverAsync(message, scope.ServiceProvider, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex)
        {
            LogAttemptFailed(logger, ex, message.DeliveryId);
            return null;
        }
        finally
        {
            slots.Release();
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Reading the outbox failed; trying again shortly.")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Outbox delivery {DeliveryId} failed with an error; it is tried again when its lease ends.")]
    private static partial void LogAttemptFailed(ILogger logger, Exception exception, string deliveryId);
}
