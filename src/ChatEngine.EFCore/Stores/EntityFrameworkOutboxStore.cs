using Microsoft.EntityFrameworkCore;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// The outbox in the chat database. Added deliveries go through the scope's context, so they commit
/// in the change's transaction (the send batch's, or the unit of work's). A claim is one conditional
/// <c>UPDATE</c> that re-checks the lease on each row and counts the attempt, so when hosts race for the
/// same rows each row goes to one of them, and every send follows a counted claim; the claim then reads
/// back the rows its token won.
/// </summary>
internal sealed class EntityFrameworkOutboxStore<TContext>(Func<TContext> context) : IChatOutboxStore
    where TContext : DbContext
{
    /// <summary>What recording an attempt changes: its outcome, and the end of its lease (the claim counted the attempt, and the count fences the outcome).</summary>
    private static readonly string[] RecordedProperties =
    [
        nameof(OutboxEntity.State), nameof(OutboxEntity.DueAt), nameof(OutboxEntity.DeliveredAt),
        nameof(OutboxEntity.LastError), nameof(OutboxEntity.Body), nameof(OutboxEntity.Payload),
        nameof(OutboxEntity.LeasedUntil), nameof(OutboxEntity.LeaseToken),
    ];

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
            .ExecuteUpdateAsync(
                set => set.SetProperty(o => o.LeasedUntil, until).SetProperty(o => o.LeaseToken, token).SetProperty(o => o.Attempts, o => o.Attempts + 1),
                cancellationToken)
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

        // One batch of statements in one transaction (one sync). On SQLite the write lock is taken from
        // the send path's write loop for as long as it lasts: an update per statement made in turn (a
        // push cycle's twenty) held it for 10 to 20 ms, and the loop's next batch waited that long.
        var db = context();
        var rows = messages.Select(Outcome).ToArray();
        foreach (var row in rows)
        {
            if (db.Set<OutboxEntity>().Local.FindEntry(row.Id) is { } tracked)
            {
                tracked.State = EntityState.Detached; // An older copy of the row, added in this scope.
            }

            var entry = db.Attach(row);
            foreach (var property in RecordedProperties)
            {
                entry.Property(property).IsModified = true;
            }
        }

        try
        {
            // Attempts is the rows' concurrency token: an outcome whose claim a later claim replaced (its
            // host outlived the lease) matches no row. It is dropped, and the rest are saved again; the
            // later claim's host records its own outcome.
            for (var tries = 0; ; tries++)
            {
                try
                {
                    await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (DbUpdateConcurrencyException stale) when (tries < rows.Length)
                {
                    foreach (var entry in stale.Entries)
                    {
                        entry.State = EntityState.Detached;
                    }
                }
            }
        }
        finally
        {
            foreach (var row in rows)
            {
                db.Entry(row).State = EntityState.Detached;
            }
        }
    }

    public async Task ReleaseAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        // A statement per count the claims left (one, mostly): each row must still be its claim's.
        foreach (var claim in messages.GroupBy(m => m.Attempts))
        {
            var ids = claim.Select(m => m.Id).ToArray();
            var attempts = claim.Key;
            await Outbox
                .Where(o => ids.Contains(o.Id) && o.Attempts == attempts && o.State == OutboxState.Pending && o.LeasedUntil != null)
                .ExecuteUpdateAsync(
                    set => set.SetProperty(o => o.LeasedUntil, (DateTime?)null).SetProperty(o => o.LeaseToken, (Guid?)null).SetProperty(o => o.Attempts, o => o.Attempts - 1),
                    cancellationToken)
                .ConfigureAwait(false);
        }
    }

    private static OutboxEntity Outcome(OutboxMessage message) => new()
    {
        Id = message.Id,
        State = message.State,
        Attempts = message.Attempts, // Not written: the claim's count, which the row must still have.
        DueAt = EntityTime.ToStored(message.DueAt),
        DeliveredAt = message.DeliveredAt is { } at ? EntityTime.ToStored(at) : null,
        LastError = message.LastError,
        Body = message.Body,
        Payload = message.Payload,
        LeasedUntil = null,
        LeaseToken = null,
    };

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
