using Microsoft.EntityFrameworkCore;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>Users' push subscriptions in the chat database.</summary>
internal sealed class EntityFrameworkPushSubscriptionStore<TContext>(Func<TContext> context) : IChatPushSubscriptionStore
    where TContext : DbContext
{
    private DbSet<PushSubscriptionEntity> Subscriptions => context().Set<PushSubscriptionEntity>();

    public async Task<(long Id, bool Created)> SaveAsync(ChatPushSubscription subscription, int maxPerUser, CancellationToken cancellationToken)
    {
        var db = context();
        var existing = await Subscriptions.FirstOrDefaultAsync(s => s.UserId == subscription.UserId && s.Endpoint == subscription.Endpoint, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            (existing.P256dh, existing.Auth, existing.DeviceId) = (subscription.P256dh, subscription.Auth, subscription.DeviceId ?? existing.DeviceId);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return (existing.Id, false);
        }

        var entity = new PushSubscriptionEntity
        {
            UserId = subscription.UserId,
            Kind = subscription.Kind,
            Endpoint = subscription.Endpoint,
            P256dh = subscription.P256dh,
            Auth = subscription.Auth,
            DeviceId = subscription.DeviceId,
            CreatedAt = EntityTime.ToStored(subscription.CreatedAt),
        };
        db.Add(entity);
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            // The same device subscribed twice at once: the other request stored it.
            db.ChangeTracker.Clear();
            var stored = await Subscriptions.AsNoTracking().FirstAsync(s => s.UserId == subscription.UserId && s.Endpoint == subscription.Endpoint, cancellationToken).ConfigureAwait(false);
            return (stored.Id, false);
        }

        // The newest maxPerUser stay; a new device past them replaces the oldest.
        var keep = await Subscriptions.Where(s => s.UserId == subscription.UserId).OrderByDescending(s => s.Id).Select(s => s.Id).Take(maxPerUser)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        await Subscriptions.Where(s => s.UserId == subscription.UserId && !keep.Contains(s.Id)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        return (entity.Id, true);
    }

    public async Task<IReadOnlyList<ChatPushSubscription>> GetForUsersAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken) =>
        (await Subscriptions.AsNoTracking().Where(s => userIds.Contains(s.UserId)).OrderBy(s => s.Id).ToListAsync(cancellationToken).ConfigureAwait(false))
            .ConvertAll(s => s.ToSubscription());

    public async Task<ChatPushSubscription?> FindAsync(long id, CancellationToken cancellationToken) =>
        (await Subscriptions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken).ConfigureAwait(false))?.ToSubscription();

    public async Task<bool> DeleteAsync(long id, long? userId, CancellationToken cancellationToken) =>
        await Subscriptions.Where(s => s.Id == id && (userId == null || s.UserId == userId)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false) > 0;
}
