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

    /// <summary>
    /// Makes one attempt; returns the delivery as it stands after it (delivered, failed, or due again)
    /// for the worker to record, or <see langword="null"/> when it recorded that itself (in a transaction
    /// of its own making).
    /// </summary>
    Task<OutboxMessage?> DeliverAsync(OutboxMessage message, IServiceProvider services, CancellationToken cancellationToken);
}

/// <summary>
/// Sends what the outbox holds, on every host: each poll claims what is due (a lease, so hosts never
/// send one delivery at once, and one that died with it lets it go when the lease ends), attempts it,
/// and records the outcomes. Polls every second on the app's <see cref="TimeProvider"/>, on a thread
/// of its own: on SQLite the store's async calls block (each write for the database's write lock and
/// its sync), and a push cycle's polls on the thread pool held its few threads from the sockets' work
/// for 27 to 70 ms under load.
/// </summary>
internal sealed partial class OutboxWorker(
    IServiceScopeFactory scopes, IEnumerable<IOutboxDeliverer> deliverers, TimeProvider time, ILogger<OutboxWorker> logger) : BackgroundService
{
    // Also the most a poll claims: a lease is longer than one attempt, counted from the claim, so every
    // delivery claimed must start at once. Claimed to wait behind others (32 a claim, 8 at a time), one
    // behind slow receivers lost its lease before its attempt began, and another host sent it too.
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
                    if (stoppingToken.IsCancellationRequested)
                    {
                        return; // Claim nothing more only to hand it back.
                    }

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

            if (sent < MaxConcurrentAttempts && !WaitForNextPoll(stoppingToken))
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
            // Not cut short by a stop: a claim made but not read back would hold its deliveries, each
            // counted, until the lease ends. It is two short statements, and a stop hands back its rows.
            var claimed = outbox.ClaimDueAsync(deliverer.Kind, now, now + deliverer.Lease, MaxConcurrentAttempts, CancellationToken.None).GetAwaiter().GetResult();
            if (claimed.Count > 0)
            {
                AttemptAndRecord(deliverer, claimed, outbox, stoppingToken);
            }

            return claimed.Count;
        }
        finally
        {
            scope.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Attempts the claimed deliveries all at once (a claim takes no more than
    /// <see cref="MaxConcurrentAttempts"/>), and records outcomes as they come, each time all that are in
    /// (in one transaction). Both happen on this thread: what a deliverer does before it first really
    /// waits (all of it, on SQLite, for one that only touches the database) runs here rather than on the
    /// thread pool, and so does every write, which on SQLite takes the one write lock from the send
    /// path's write loop. When the host stops, what was not attempted or was cut short is handed back,
    /// uncounted, so another host takes it at once rather than when the lease ends.
    /// </summary>
    private void AttemptAndRecord(IOutboxDeliverer deliverer, IReadOnlyList<OutboxMessage> claimed, IChatOutboxStore outbox, CancellationToken stoppingToken)
    {
        var attempts = new List<Task<Attempt>>();
        var next = 0;
        for (; next < claimed.Count && !stoppingToken.IsCancellationRequested; next++)
        {
            attempts.Add(AttemptAsync(deliverer, claimed[next], stoppingToken));
        }

        var handBack = claimed.Skip(next).ToList();
        while (attempts.Count > 0)
        {
            // Finished attempts are recorded at once, so none waits for a slower one past its lease.
            Task.WaitAny([.. attempts], CancellationToken.None);
            var finished = attempts.Where(a => a.IsCompleted).Select(a => a.Result).ToList();
            attempts.RemoveAll(a => a.IsCompleted);
            handBack.AddRange(finished.Where(a => a.CutShort).Select(a => a.Claimed));
            outbox.CompleteAsync(finished.Select(a => a.Outcome).OfType<OutboxMessage>().ToList(), CancellationToken.None).GetAwaiter().GetResult();
        }

        if (handBack.Count > 0)
        {
            outbox.ReleaseAsync(handBack, CancellationToken.None).GetAwaiter().GetResult();
            LogHandedBack(logger, handBack.Count, deliverer.Kind);
        }
    }

    /// <summary>
    /// One attempt. Its outcome is null when the deliverer recorded it itself, or when it threw, which
    /// leaves the delivery to be tried again once its lease ends; an attempt the host's stop cut short
    /// has none either, and is handed back.
    /// </summary>
    private async Task<Attempt> AttemptAsync(IOutboxDeliverer deliverer, OutboxMessage message, CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            return new(message, await deliverer.DeliverAsync(message, scope.ServiceProvider, stoppingToken).ConfigureAwait(false), CutShort: false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return new(message, null, CutShort: true);
        }
        catch (Exception ex)
        {
            LogAttemptFailed(logger, ex, message.DeliveryId);
            return new(message, null, CutShort: false);
        }
    }

    private readonly record struct Attempt(OutboxMessage Claimed, OutboxMessage? Outcome, bool CutShort);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Reading the outbox failed; trying again shortly.")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Outbox delivery {DeliveryId} failed with an error; it is tried again when its lease ends.")]
    private static partial void LogAttemptFailed(ILogger logger, Exception exception, string deliveryId);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Information, Message = "Stopping: {Count} {Kind} deliveries not attempted or cut short were handed back for another host.")]
    private static partial void LogHandedBack(ILogger logger, int count, string kind);
}
