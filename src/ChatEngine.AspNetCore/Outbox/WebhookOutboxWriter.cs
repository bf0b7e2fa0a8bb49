using System.Text.Json;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Writes a webhook delivery to the outbox for each change and each endpoint that wants its type,
/// in the change's own transaction (a change participant): a crash after the commit loses none. It
/// writes what the change is, not its body: the worker makes the body at the first attempt and keeps it.
/// A report or an erasure is no change: its delivery is written once it is done (as a moderation sink
/// or an erasure participant), with its event.
/// </summary>
internal sealed class WebhookOutboxWriter(IOptions<ChatWebhookOptions> options, IChatOutboxStore outbox, TimeProvider time) : IChatChangeParticipant, IModerationSink, IUserErasureParticipant
{
    public const string Kind = "webhook";

    public Task OnCommittingAsync(IReadOnlyList<ChatLogEntry> changes, CancellationToken cancellationToken) =>
        WriteAsync(changes.Select(WebhookEventReference.Of), cancellationToken);

    public Task OnReportedAsync(ChatReportView report, Chat chat, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var data = JsonSerializer.SerializeToElement(ReportResponse.Frame(report), ChatJsonContext.Default.ReportResponse);
        var reference = new WebhookEventReference(report.Report.ChatId, 0, "report", WireTime.Format(report.Report.At), report.Report.ReporterId) { Data = data };
        return WriteAsync([reference], cancellationToken);
    }

    /// <summary>The <c>user_erased</c> event, about no chat: <c>{"user": id}</c>.</summary>
    public Task OnUserErasedAsync(long userId, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.SerializeToElement(new UserErasedFrame(userId), ChatJsonContext.Default.UserErasedFrame);
        var reference = new WebhookEventReference(0, 0, "user_erased", WireTime.Format(time.GetUtcNow()), userId) { Data = data };
        return WriteAsync([reference], cancellationToken);
    }

    private async Task WriteAsync(IEnumerable<WebhookEventReference> references, CancellationToken cancellationToken)
    {
        var endpoints = options.Value.Endpoints;
        if (endpoints.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        var deliveries = new List<OutboxMessage>();
        foreach (var reference in references)
        {
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
    /// <summary>For an event that is no change (a report): the event itself, sent as the body's data.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("data")]
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Data { get; init; }

    public static WebhookEventReference Of(ChatLogEntry entry) => entry.Message is { } message
        ? new(message.ChatId, entry.Seq, "message", WireTime.Format(message.SentAt), message.SenderId)
        : new(entry.Change!.ChatId, entry.Seq, ChangeFrames.TypeOf(entry.Change.Kind), WireTime.Format(entry.Change.Time), entry.Change.ByUserId);
}
