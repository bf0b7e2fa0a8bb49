using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>
/// When a chat's push is due: asks <see cref="ChatPush"/> who needs which message, and writes one
/// outbox delivery per device of theirs, each retried on its own. Their ids come from the due entry's,
/// the message's and the device's, so a fan-out repeated after a crash adds no second copy. When newer
/// messages wait, the entry stays pending, moved on to the newest and to when it is due.
/// </summary>
internal sealed class PushFanOut(PushAvailability availability, TimeProvider time) : IOutboxDeliverer
{
    public string Kind => PushOutboxWriter.Kind;

    public bool IsEnabled => availability.IsOn;

    public TimeSpan Lease => TimeSpan.FromMinutes(1);

    public async Task<OutboxMessage> DeliverAsync(OutboxMessage message, IServiceProvider services, CancellationToken cancellationToken)
    {
        var due = JsonSerializer.Deserialize(message.Payload, ChatJsonContext.Default.PushDue)!;
        var (notices, next) = await services.GetRequiredService<ChatPush>().PlanAsync(due.ChatId, due.MessageId, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (notices.Count > 0)
        {
            var byUser = notices.ToDictionary(n => n.UserId);
            var devices = await services.GetRequiredService<IChatPushSubscriptionStore>().GetForUsersAsync(byUser.Keys, cancellationToken).ConfigureAwait(false);
            var deliveries = devices.Select(device => new OutboxMessage
            {
                Kind = PushDeliverer.Kind,
                DeliveryId = string.Create(CultureInfo.InvariantCulture, $"{message.DeliveryId}.{byUser[device.UserId].Message.MessageId}.{device.Id}"),
                Target = device.Id.ToString(CultureInfo.InvariantCulture),
                Payload = JsonSerializer.Serialize(PushPayload.From(byUser[device.UserId].Message), ChatJsonContext.Default.PushPayload),
                CreatedAt = now,
                DueAt = now,
            }).ToArray();
            var outbox = services.GetRequiredService<IChatOutboxStore>();
            var stored = await outbox.FindExistingAsync(deliveries.Select(d => d.DeliveryId).ToArray(), cancellationToken).ConfigureAwait(false);
            await outbox.AddAsync(deliveries.Where(d => !stored.Contains(d.DeliveryId)).ToArray(), cancellationToken).ConfigureAwait(false);
        }

        return next is { } later
            ? message with { Attempts = message.Attempts + 1, DueAt = later.DueAt, Payload = JsonSerializer.Serialize(due with { MessageId = later.MessageId }, ChatJsonContext.Default.PushDue) }
            : message with { Attempts = message.Attempts + 1, State = OutboxState.Delivered, DeliveredAt = now };
    }
}

/// <summary>Whether this host pushes: it has VAPID keys, or the host added a sender (FCM, APNs).</summary>
internal sealed class PushAvailability(IServiceScopeFactory scopes, IOptions<ChatEngineOptions> options)
{
    private readonly Lazy<bool> _hasHostSenders = new(() =>
    {
        using var scope = scopes.CreateScope();
        return scope.ServiceProvider.GetServices<IChatPushSender>().Any();
    });

    public bool IsOn => options.Value.Push.HasVapidKeys || _hasHostSenders.Value;
}
