using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>The outbox worker against deliverers that block, as every store call does on SQLite.</summary>
public sealed class OutboxWorkerTests
{
    [Fact]
    public async Task DeliverersThatBlock_RunOnTheWorkersOwnThread_NotThePool_TheirOutcomesAreRecordedTogether_AndOneThatThrowsWaitsForItsLease()
    {
        var outbox = new RecordingOutboxStore();
        var now = DateTimeOffset.UtcNow;
        await outbox.AddAsync(Enumerable.Range(0, 8).Select(i => Due(BlockingDeliverer.KindName, $"d{i}", now)).ToArray(), CancellationToken.None);
        var deliverer = new BlockingDeliverer();
        using var worker = NewWorker(outbox, deliverer);

        await worker.StartAsync(CancellationToken.None);
        var recorded = await outbox.NextRecordedAsync();
        await worker.StopAsync(CancellationToken.None);

        // One thread, not one of the pool's: a deliverer that blocks holds only the worker's own.
        Assert.Equal(8, deliverer.Threads.Count);
        Assert.Single(deliverer.Threads.Distinct());
        Assert.DoesNotContain(true, deliverer.OnPoolThread);
        // Recorded in one call (one transaction in a database), each as its deliverer left it, with the
        // attempt its claim counted; the one that threw stays pending under its lease, its attempt
        // counted too, to be tried again when that ends.
        Assert.Equal(7, recorded.Count);
        Assert.All(recorded, m => Assert.Equal((OutboxState.Delivered, 1), (m.State, m.Attempts)));
        var stored = await outbox.GetRecentAsync(BlockingDeliverer.KindName, 100, CancellationToken.None);
        Assert.All(stored, m => Assert.Equal(1, m.Attempts));
        var failed = Assert.Single(stored, m => m.DeliveryId == "d3");
        Assert.Equal((OutboxState.Pending, 1), (failed.State, failed.Attempts));
        Assert.Empty(await outbox.ClaimDueAsync(BlockingDeliverer.KindName, now.AddSeconds(59), now.AddSeconds(120), 100, CancellationToken.None));
        var again = Assert.Single(await outbox.ClaimDueAsync(BlockingDeliverer.KindName, DateTimeOffset.UtcNow.AddMinutes(2), DateTimeOffset.UtcNow.AddMinutes(3), 100, CancellationToken.None));
        Assert.Equal(("d3", 2), (again.DeliveryId, again.Attempts));
    }

    [Fact]
    public async Task AnAttemptThatFinishesFirst_IsRecordedWithoutWaitingForASlowerOne()
    {
        var outbox = new RecordingOutboxStore();
        var now = DateTimeOffset.UtcNow;
        await outbox.AddAsync([Due(WaitingDeliverer.KindName, "slow", now), Due(WaitingDeliverer.KindName, "fast", now)], CancellationToken.None);
        var deliverer = new WaitingDeliverer();
        using var worker = NewWorker(outbox, deliverer);

        await worker.StartAsync(CancellationToken.None);
        var first = await outbox.NextRecordedAsync();
        Assert.Equal("fast", Assert.Single(first).DeliveryId);

        // The slow one (a push service taking its time, say) is recorded when it is done.
        deliverer.SlowOneMayFinish.SetResult();
        var second = await outbox.NextRecordedAsync();
        Assert.Equal("slow", Assert.Single(second).DeliveryId);
        await worker.StopAsync(CancellationToken.None);
        Assert.All(await outbox.GetRecentAsync(WaitingDeliverer.KindName, 10, CancellationToken.None), m => Assert.Equal(OutboxState.Delivered, m.State));
    }

    [Fact]
    public async Task AHostThatStops_HandsBackTheAttemptItCutShort_UncountedAndFreeForAnotherHostAtOnce()
    {
        var outbox = new RecordingOutboxStore();
        var now = DateTimeOffset.UtcNow;
        await outbox.AddAsync([Due(WaitingDeliverer.KindName, "slow", now), Due(WaitingDeliverer.KindName, "fast", now)], CancellationToken.None);
        using var worker = NewWorker(outbox, new WaitingDeliverer());

        await worker.StartAsync(CancellationToken.None);
        Assert.Equal("fast", Assert.Single(await outbox.NextRecordedAsync()).DeliveryId);
        await worker.StopAsync(CancellationToken.None); // The slow receiver has not answered yet.

        var released = Assert.Single(await outbox.NextReleasedAsync());
        Assert.Equal(("slow", 1), (released.DeliveryId, released.Attempts));
        var stored = (await outbox.GetRecentAsync(WaitingDeliverer.KindName, 10, CancellationToken.None)).ToDictionary(m => m.DeliveryId);
        Assert.Equal((OutboxState.Pending, 0), (stored["slow"].State, stored["slow"].Attempts));
        Assert.Equal((OutboxState.Delivered, 1), (stored["fast"].State, stored["fast"].Attempts));

        // Another host takes it now, not when the minute's lease ends, as its first attempt.
        var retaken = Assert.Single(await outbox.ClaimDueAsync(WaitingDeliverer.KindName, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(1), 10, CancellationToken.None));
        Assert.Equal(("slow", 1), (retaken.DeliveryId, retaken.Attempts));
    }

    [Fact]
    public async Task AStopWhileAClaimIsBeingRead_HandsBackEverythingItTook()
    {
        var outbox = new RecordingOutboxStore { ClaimsWaitFor = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        var now = DateTimeOffset.UtcNow;
        await outbox.AddAsync([Due(WaitingDeliverer.KindName, "a", now), Due(WaitingDeliverer.KindName, "b", now)], CancellationToken.None);
        using var worker = NewWorker(outbox, new WaitingDeliverer());

        // The claim has leased and counted both rows and is reading them back when the host stops.
        await worker.StartAsync(CancellationToken.None);
        await outbox.ClaimMade.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var stopping = worker.StopAsync(CancellationToken.None);
        outbox.ClaimsWaitFor.SetResult();
        await stopping;

        Assert.Equal(["a", "b"], (await outbox.NextReleasedAsync()).Select(m => m.DeliveryId).Order());
        var retaken = await outbox.ClaimDueAsync(WaitingDeliverer.KindName, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(1), 10, CancellationToken.None);
        Assert.Equal([("a", 1), ("b", 1)], retaken.Select(m => (m.DeliveryId, m.Attempts)).Order());
    }

    /// <summary>
    /// A lease is longer than one attempt, counted from the claim: a delivery claimed to wait behind
    /// slow attempts could lose it before its own began, and another host would send it too. So a poll
    /// claims only what it starts at once, and leaves the rest for other hosts.
    /// </summary>
    [Fact]
    public async Task APoll_ClaimsOnlyWhatItStartsAtOnce_AndLeavesTheRestToOtherHosts()
    {
        var outbox = new RecordingOutboxStore();
        var now = DateTimeOffset.UtcNow;
        await outbox.AddAsync(Enumerable.Range(0, 20).Select(i => Due(HangingDeliverer.KindName, $"h{i}", now)).ToArray(), CancellationToken.None);
        var deliverer = new HangingDeliverer();
        using var worker = NewWorker(outbox, deliverer);

        await worker.StartAsync(CancellationToken.None);
        try
        {
            await deliverer.EightStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));

            // Another host's poll, while these eight hang (a slow receiver): the other twelve are free.
            var elsewhere = await outbox.ClaimDueAsync(HangingDeliverer.KindName, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(1), 100, CancellationToken.None);
            Assert.Equal(12, elsewhere.Count);
            Assert.Empty(elsewhere.Select(m => m.DeliveryId).Intersect(deliverer.Started));
        }
        finally
        {
            deliverer.MayAnswer.TrySetResult();
        }

        // Outcomes are recorded as they come: the eight answers may land in one record or several.
        var recorded = new List<OutboxMessage>();
        while (recorded.Count < 8)
        {
            recorded.AddRange(await outbox.NextRecordedAsync());
        }

        await worker.StopAsync(CancellationToken.None);
        Assert.Equal(8, deliverer.Started.Count);
        Assert.Equal(deliverer.Started.Order(), recorded.Select(m => m.DeliveryId).Order());
    }

    private static OutboxMessage Due(string kind, string deliveryId, DateTimeOffset now) =>
        new() { Kind = kind, DeliveryId = deliveryId, Target = "t", Payload = "{}", CreatedAt = now, DueAt = now };

    private static OutboxWorker NewWorker(IChatOutboxStore outbox, IOutboxDeliverer deliverer)
    {
        var services = new ServiceCollection().AddSingleton(outbox).BuildServiceProvider();
        return new OutboxWorker(services.GetRequiredService<IServiceScopeFactory>(), [deliverer], TimeProvider.System, NullLogger<OutboxWorker>.Instance);
    }

    private sealed class WaitingDeliverer : IOutboxDeliverer
    {
        public const string KindName = "waiting";

        public TaskCompletionSource SlowOneMayFinish { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Kind => KindName;

        public bool IsEnabled => true;

        public TimeSpan Lease => TimeSpan.FromMinutes(1);

        public async Task<OutboxMessage?> DeliverAsync(OutboxMessage message, IServiceProvider services, CancellationToken cancellationToken)
        {
            if (message.DeliveryId == "slow")
            {
                await SlowOneMayFinish.Task.WaitAsync(cancellationToken);
            }
            else
            {
                await Task.Yield(); // Finishes on the pool, as an answer from the network does.
            }

            return message with { State = OutboxState.Delivered };
        }
    }

    /// <summary>Every attempt waits for the receiver's answer until the test lets it come.</summary>
    private sealed class HangingDeliverer : IOutboxDeliverer
    {
        public const string KindName = "hanging";

        public TaskCompletionSource EightStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource MayAnswer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<string> Started { get; } = [];

        public string Kind => KindName;

        public bool IsEnabled => true;

        public TimeSpan Lease => TimeSpan.FromMinutes(1);

        public async Task<OutboxMessage?> DeliverAsync(OutboxMessage message, IServiceProvider services, CancellationToken cancellationToken)
        {
            lock (Started)
            {
                Started.Add(message.DeliveryId);
                if (Started.Count == 8)
                {
                    EightStarted.TrySetResult();
                }
            }

            await MayAnswer.Task;
            return message with { State = OutboxState.Delivered };
        }
    }

    private sealed class BlockingDeliverer : IOutboxDeliverer
    {
        public const string KindName = "blocking";

        public List<int> Threads { get; } = [];

        public List<bool> OnPoolThread { get; } = [];

        public string Kind => KindName;

        public bool IsEnabled => true;

        public TimeSpan Lease => TimeSpan.FromMinutes(1);

        public Task<OutboxMessage?> DeliverAsync(OutboxMessage message, IServiceProvider services, CancellationToken cancellationToken)
        {
            lock (Threads)
            {
                Threads.Add(Environment.CurrentManagedThreadId);
                OnPoolThread.Add(Thread.CurrentThread.IsThreadPoolThread);
            }

            // Done before it returns, as a store call on SQLite is (Microsoft.Data.Sqlite's async methods block).
            if (message.DeliveryId == "d3")
            {
                throw new InvalidOperationException("The deliverer failed.");
            }

            return Task.FromResult<OutboxMessage?>(message with { State = OutboxState.Delivered });
        }
    }

    private sealed class RecordingOutboxStore : IChatOutboxStore
    {
        private readonly InMemoryOutboxStore _inner = new();

        private readonly Channel<IReadOnlyList<OutboxMessage>> _recorded = Channel.CreateUnbounded<IReadOnlyList<OutboxMessage>>();

        private readonly Channel<IReadOnlyList<OutboxMessage>> _released = Channel.CreateUnbounded<IReadOnlyList<OutboxMessage>>();

        /// <summary>The outcomes of the next call to <see cref="CompleteAsync"/> that has any, in call order.</summary>
        public Task<IReadOnlyList<OutboxMessage>> NextRecordedAsync() => _recorded.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        /// <summary>The deliveries of the next call to <see cref="ReleaseAsync"/>.</summary>
        public Task<IReadOnlyList<OutboxMessage>> NextReleasedAsync() => _released.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        public async Task CompleteAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
        {
            await _inner.CompleteAsync(messages, cancellationToken);
            if (messages.Count > 0)
            {
                _recorded.Writer.TryWrite(messages);
            }
        }

        public async Task ReleaseAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
        {
            await _inner.ReleaseAsync(messages, cancellationToken);
            _released.Writer.TryWrite(messages);
        }

        public Task AddAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken) => _inner.AddAsync(messages, cancellationToken);

        /// <summary>When set, a claim that took rows waits for it before it answers (as reading them back does).</summary>
        public TaskCompletionSource? ClaimsWaitFor { get; init; }

        public TaskCompletionSource ClaimMade { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<IReadOnlyList<OutboxMessage>> ClaimDueAsync(string kind, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken)
        {
            var claimed = await _inner.ClaimDueAsync(kind, now, leaseUntil, limit, cancellationToken);
            if (claimed.Count > 0 && ClaimsWaitFor is { } wait)
            {
                ClaimMade.TrySetResult();
                await wait.Task.WaitAsync(cancellationToken);
            }

            return claimed;
        }

        public Task<IReadOnlyDictionary<string, DateTimeOffset>> FindPendingAsync(string kind, IReadOnlyCollection<string> targets, CancellationToken cancellationToken) =>
            _inner.FindPendingAsync(kind, targets, cancellationToken);

        public Task<IReadOnlySet<string>> FindExistingAsync(IReadOnlyCollection<string> deliveryIds, CancellationToken cancellationToken) =>
            _inner.FindExistingAsync(deliveryIds, cancellationToken);

        public Task<IReadOnlyList<OutboxMessage>> GetRecentAsync(string kind, int limit, CancellationToken cancellationToken) =>
            _inner.GetRecentAsync(kind, limit, cancellationToken);
    }
}
