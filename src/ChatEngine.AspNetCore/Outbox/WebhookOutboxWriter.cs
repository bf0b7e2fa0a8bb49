using System.Text.Json;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Writes a webhook delivery to the outbox for each change and each endpoint that wants its type,
/// in the change's own transaction (a change participant): a crash after the commit loses none. It
/// writes what the change is, not its body: the worker makes the body at the first attempt and keeps it.
/// </summary>
internal sealed class WebhookOutboxWriter(IOptions<ChatWebhookOptions> options, IChatOutboxStore outbox, TimeProvider time) : IChatChangeParticipant
{
    public const string Kind = "webhook";

    public async Task OnCommittingAsync(IReadOnlyList<ChatLogEntry> changes, CancellationToken cancellationToken)
    {
        var endpoints = options.Value.Endpoints;
        if (endpoints.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        var deliveries = new List<OutboxMessage>();
        foreach (var entry in changes)
        {
            var reference = WebhookEventReference.Of(entry);
            var payload = JsonSerializer.Serialize(reference, ChatJsonContext.Default.WebhookEventReference);
            foreach (var endpoint in endpoints.Where(e => e.Events.Count == 0 || e.Events.Contains(reference.Type, StringComparer.Ordinal)))
            {
                deliveries.Add(new OutboxMessage
                {
                    Kind = Kind,
                    DeliveryId = "wd_" + Guid.CreateVersion7(now).ToString("N"),
                    Target = endpoint.Url,
                    Payload = payload,
                    CreatedAt = now,
                    DueAt = now,
                });
            }
        }

        await outbox.AddAsync(deliveries, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>What a webhook delivery is about: enough to read the change again, or to describe it once its chat is gone.</summary>
internal sealed record WebhookEventReference(
    [property: System.Text.Json.Serialization.JsonPropertyName("chat_id")] long ChatId,
    [property: System.Text.Json.Serialization.JsonPropertyName("seq")] long Seq,
    [property: System.Text.Json.Serialization.JsonPropertyName("type")] string Type,
    [property: System.Text.Json.Serialization.JsonPropertyName("time")] string Time,
    [property: System.Text.Json.Serialization.JsonPropertyName("by")] long? By)
{
    public static WebhookEventReference Of(ChatLogEntry entry) => entry.Message is { } message
        ? new(message.ChatId, entry.Seq, "message", WireTime.Format(message.SentAt), message.SenderId)
        : new(entry.Change!.ChatId, entry.Seq, ChangeFrames.TypeOf(entry.Change.Kind), WireTime.Format(entry.Change.Time), entry.Change.ByUserId);
}
