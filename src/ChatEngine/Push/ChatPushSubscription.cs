namespace ChatEngine;

/// <summary>A device of a user that push messages go to.</summary>
public sealed record ChatPushSubscription
{
    /// <summary>The store's id; 0 until stored.</summary>
    public long Id { get; init; }

    /// <summary>Whose device it is.</summary>
    public required long UserId { get; init; }

    /// <summary><c>webpush</c> (built in), or <c>fcm</c> / <c>apns</c> for a host's <c>IChatPushSender</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>Web Push: the push service's URL for the device. FCM and APNs: the device token.</summary>
    public required string Endpoint { get; init; }

    /// <summary>Web Push: the device's P-256 public key (base64url, 65 bytes uncompressed).</summary>
    public string? P256dh { get; init; }

    /// <summary>Web Push: the device's authentication secret (base64url, 16 bytes).</summary>
    public string? Auth { get; init; }

    /// <summary>The client's own name for the device, if it gave one.</summary>
    public string? DeviceId { get; init; }

    /// <summary>When it was first stored.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>
/// Users' push subscriptions: an optional store interface (the built-in stores implement it).
/// </summary>
public interface IChatPushSubscriptionStore
{
    /// <summary>
    /// Stores a subscription; the same endpoint of the same user again updates its keys. A user's
    /// subscriptions past <paramref name="maxPerUser"/> are removed, oldest first.
    /// </summary>
    /// <returns>Its id, and whether it is new.</returns>
    Task<(long Id, bool Created)> SaveAsync(ChatPushSubscription subscription, int maxPerUser, CancellationToken cancellationToken);

    /// <summary>The subscriptions of these users.</summary>
    Task<IReadOnlyList<ChatPushSubscription>> GetForUsersAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken);

    /// <summary>One subscription, whoever's it is.</summary>
    Task<ChatPushSubscription?> FindAsync(long id, CancellationToken cancellationToken);

    /// <summary>Removes a subscription (of <paramref name="userId"/> only, when given); whether there was one.</summary>
    Task<bool> DeleteAsync(long id, long? userId, CancellationToken cancellationToken);
}
