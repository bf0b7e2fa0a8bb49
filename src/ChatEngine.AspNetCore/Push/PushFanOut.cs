using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>
/// When a chat's push is due: asks <see cref="ChatPush"/> who needs which message, and writes one
/// outbox delivery per device of theirs, each retried on its own. Their ids come from the due entry's,
/// the message's and the device's, so a fan-out repeated after a crash adds no second copy. When newer
/// messages wait, the entry stays pending, moved on to the newest and to when it is due. Otherwise it
/// ends in the chat's unit of work, which first looks for a message sent since the plan: a send that
/// found the entry pending added none, so the entry moves on to it instead.
/// </summary>
internal sealed class PushFanOut(PushAvailability availability, TimeProvider time) : IOutboxDeliverer
{
    public string Kind => PushOutboxWriter.Kind;

    public bool IsEnabled => availability.IsOn;

    public TimeSpan Lease => TimeSpan.FromMinutes(1);

    public async Task<OutboxMessage?> DeliverAsync(OutboxMessage message, IServiceProvider services, CancellationToken cancellationToken)
    {
        var due = JsonSerializer.Deserialize(message.Payload, ChatJsonContext.Default.PushDue)!;
        var push = services.GetRequiredService<ChatPush>();
        var plan = await push.PlanAsync(due.ChatId, due.MessageId, cancellationToken).ConfigureAwait(false);
        var notices = plan.Notices;
        var now = time.GetUtcNow();
        var outbox = services.GetRequiredService<IChatOutboxStore>();
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
            var stored = await outbox.FindExistingAsync(deliveries.Select(d => d.DeliveryId).ToArray(), cancellationToken).ConfigureAwait(false);
            await outbox.AddAsync(deliveries.Where(d => !stored.Contains(d.DeliveryId)).ToArray(), cancellationToken).ConfigureAwait(false);
        }

        if (plan.Next is { } next)
        {
            return MovedOn(next); // Still pending: a send meanwhile found it so, and the next plan covers its message.
        }

        await services.GetRequiredService<IChatUnitOfWork>().RunAsync(due.ChatId, async token =>
        {
            var outcome = await push.NextAfterAsync(due.ChatId, plan, token).ConfigureAwait(false) is { } later
                ? MovedOn(later)
                : message with { State = OutboxState.Delivered, DeliveredAt = now };
            await outbox.CompleteAsync([outcome], token).ConfigureAwait(false);
            return outcome;
        }, cancellationToken).ConfigureAwait(false);
        return null;

        OutboxMessage MovedOn((long MessageId, DateTimeOffset DueAt) later) => message with
        {
            DueAt = later.DueAt,
            Payload = JsonSerializer.Serialize(due with { MessageId = later.MessageId }, ChatJsonContext.Default.PushDue),
        };
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
