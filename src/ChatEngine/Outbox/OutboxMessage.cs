namespace ChatEngine;

/// <summary>Where a delivery of the outbox stands.</summary>
public enum OutboxState
{
    /// <summary>Waiting for its turn (or for its next attempt).</summary>
    Pending = 0,

    /// <summary>Delivered.</summary>
    Delivered = 1,

    /// <summary>Given up: every attempt failed, or the receiver said it is gone for good.</summary>
    Failed = 2,
}

/// <summary>
/// One delivery to the outside (a webhook call, a push), written in the transaction of the change it
/// is about and sent after the commit by a worker, with retries: so a crash or an outage loses none,
/// and its <see cref="DeliveryId"/> stays the same on every attempt, so a receiver can drop a repeat.
/// </summary>
public sealed record OutboxMessage
{
    /// <summary>The store's id; 0 until stored.</summary>
    public long Id { get; init; }

    /// <summary>What delivers it: <c>webhook</c>, <c>push</c>…</summary>
    public required string Kind { get; init; }

    /// <summary>The id receivers see, the same on every attempt.</summary>
    public required string DeliveryId { get; init; }

    /// <summary>Where it goes: a webhook's URL, a push subscription's id.</summary>
    public required string Target { get; init; }

    /// <summary>What it is about, as its deliverer wrote it (JSON); the body it sends is made from it.</summary>
    public required string Payload { get; init; }

    /// <summary>The body sent at the first attempt, kept so every retry sends the same.</summary>
    public string? Body { get; init; }

    /// <summary>Pending, delivered or failed.</summary>
    public OutboxState State { get; init; }

    /// <summary>
    /// Attempts begun so far, this one included once claimed: the store counts each as it is claimed, so
    /// one whose host died counts, and two hosts that both took a delivery (the first outlived its
    /// lease) count two. One that a stopping host handed back (<see cref="IChatOutboxStore.ReleaseAsync"/>)
    /// does not count.
    /// </summary>
    public int Attempts { get; init; }

    /// <summary>When the change it is about committed.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it may be sent (again).</summary>
    public required DateTimeOffset DueAt { get; init; }

    /// <summary>When a receiver took it.</summary>
    public DateTimeOffset? DeliveredAt { get; init; }

    /// <summary>Why the last attempt failed.</summary>
    public string? LastError { get; init; }
}

/// <summary>
/// The outbox's store: an optional store interface (the built-in stores implement it). Deliveries are
/// added through it by <see cref="IChatChangeParticipant"/>s, inside the change's transaction, and
/// claimed by workers on any number of hosts: a claim leases them, so no two hosts send one at once.
/// </summary>
public interface IChatOutboxStore
{
    /// <summary>Adds deliveries; called in the transaction of the change they are about, they commit with it.</summary>
    Task AddAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="limit"/> pending deliveries of a kind that are due and not leased,
    /// leasing them until <paramref name="leaseUntil"/>: a host that dies with them lets them go then.
    /// Each claim counts an attempt, in the same atomic step: the deliveries come back with
    /// <see cref="OutboxMessage.Attempts"/> one higher than before.
    /// </summary>
    Task<IReadOnlyList<OutboxMessage>> ClaimDueAsync(string kind, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Records attempts, in one transaction: each delivered, failed for good, or due again at
    /// <see cref="OutboxMessage.DueAt"/> (with its <see cref="OutboxMessage.Payload"/>, which a deliverer
    /// may move on); their leases end. <see cref="OutboxMessage.Attempts"/> is not written but checked:
    /// an outcome is recorded only while the delivery's count is still its claim's, so one recorded late
    /// by a host that outlived its lease, after another host claimed the delivery, is dropped.
    /// </summary>
    Task CompleteAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken);

    /// <summary>
    /// Hands back claimed deliveries whose attempts were not made or were cut short (the host is
    /// stopping): each one still held by its claim (pending, leased, its count still the claim's) loses
    /// its lease and the attempt its claim counted, so another host may take it at once instead of when
    /// the lease ends. One that was recorded meanwhile, or claimed again after its lease ended, is left
    /// as it is.
    /// </summary>
    Task ReleaseAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken);

    /// <summary>Which of these targets have a pending delivery of the kind, and when the first is due (so a scheduler adds no second one).</summary>
    Task<IReadOnlyDictionary<string, DateTimeOffset>> FindPendingAsync(string kind, IReadOnlyCollection<string> targets, CancellationToken cancellationToken);

    /// <summary>Which of these delivery ids are stored already (so a fan-out repeated after a crash adds no second copy).</summary>
    Task<IReadOnlySet<string>> FindExistingAsync(IReadOnlyCollection<string> deliveryIds, CancellationToken cancellationToken);

    /// <summary>The newest deliveries of a kind, newest first (the delivery log).</summary>
    Task<IReadOnlyList<OutboxMessage>> GetRecentAsync(string kind, int limit, CancellationToken cancellationToken);
}
