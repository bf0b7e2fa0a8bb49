using Microsoft.EntityFrameworkCore;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// The outbox in the chat database. Added deliveries go through the scope's context, so they commit
/// in the change's transaction (the send batch's, or the unit of work's). A claim is one conditional
/// <c>UPDATE</c> that re-checks the lease on each row, so when hosts race for the same rows each row
/// goes to one of them; the claim then reads back the rows its token won.
/// </summary>
internal sealed class EntityFrameworkOutboxStore<TContext>(Func<TContext> context) : IChatOutboxStore
    where TContext : DbContext
{
    private DbSet<OutboxEntity> Outbox => context().Set<OutboxEntity>();

    public async Task AddAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return;
        }

        var db = context();
        db.Set<OutboxEntity>().AddRange(messages.Select(OutboxEntity.From));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<OutboxMessage>> ClaimDueAsync(string kind, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken)
    {
        var at = EntityTime.ToStored(now);
        var until = EntityTime.ToStored(leaseUntil);
        var candidates = await Outbox.AsNoTracking()
            .Where(o => o.Kind == kind && o.State == OutboxState.Pending && o.DueAt <= at && (o.LeasedUntil == null || o.LeasedUntil < at))
            .OrderBy(o => o.DueAt).ThenBy(o => o.Id)
            .Select(o => o.Id)
            .Take(limit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (candidates.Count == 0)
        {
            return [];
        }

        var token = Guid.NewGuid();
        var won = await Outbox
            .Where(o => candidates.Contains(o.Id) && o.State == OutboxState.Pending && (o.LeasedUntil == null || o.LeasedUntil < at))
            .ExecuteUpdateAsync(set => set.SetProperty(o => o.LeasedUntil, until).SetProperty(o => o.LeaseToken, token), cancellationToken)
            .ConfigureAwait(false);
        if (won == 0)
        {
            return [];
        }

        var claimed = await Outbox.AsNoTracking().Where(o => o.LeaseToken == token).OrderBy(o => o.DueAt).ThenBy(o => o.Id)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return claimed.ConvertAll(o => o.ToMessage());
    }

    public async Task CompleteAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return;
        }

        // One transaction (one sync) for the outcomes in hand: on SQLite each write takes the one write lock from the send path.
        var db = context();
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false) : null;
        foreach (var message in messages)
        {
            await CompleteAsync(message, cancellationToken).ConfigureAwait(false);
        }

        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CompleteAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var due = EntityTime.ToStored(message.DueAt);
        DateTime? delivered = message.DeliveredAt is { } at ? EntityTime.ToStored(at) : null;
        await Outbox.Where(o => o.Id == message.Id).ExecuteUpdateAsync(
            set => set
                .SetProperty(o => o.State, message.State)
                .SetProperty(o => o.Attempts, message.Attempts)
                .SetProperty(o => o.DueAt, due)
                .SetProperty(o => o.DeliveredAt, delivered)
                .SetProperty(o => o.LastError, message.LastError)
                .SetProperty(o => o.Body, message.Body)
                .SetProperty(o => o.Payload, message.Payload)
                .SetProperty(o => o.LeasedUntil, (DateTime?)null)
                .SetProperty(o => o.LeaseToken, (Guid?)null),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> FindPendingAsync(string kind, IReadOnlyCollection<string> targets, CancellationToken cancellationToken) =>
        targets.Count == 0
            ? new Dictionary<string, DateTimeOffset>()
            : (await Outbox.AsNoTracking().Where(o => o.Kind == kind && o.State == OutboxState.Pending && targets.Contains(o.Target))
                .Select(o => new { o.Target, o.DueAt }).ToListAsync(cancellationToken).ConfigureAwait(false))
                .GroupBy(o => o.Target).ToDictionary(g => g.Key, g => EntityTime.FromStored(g.Min(o => o.DueAt)), StringComparer.Ordinal);

    public async Task<IReadOnlySet<string>> FindExistingAsync(IReadOnlyCollection<string> deliveryIds, CancellationToken cancellationToken) =>
        deliveryIds.Count == 0
            ? new HashSet<string>()
            : (await Outbox.AsNoTracking().Where(o => deliveryIds.Contains(o.DeliveryId)).Select(o => o.DeliveryId).ToListAsync(cancellationToken).ConfigureAwait(false))
                .ToHashSet(StringComparer.Ordinal);

    public async Task<IReadOnlyList<OutboxMessage>> GetRecentAsync(string kind, int limit, CancellationToken cancellationToken)
    {
        var rows = await Outbox.AsNoTracking().Where(o => o.Kind == kind).OrderByDescending(o => o.Id).Take(limit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.ConvertAll(o => o.ToMessage());
    }
}
