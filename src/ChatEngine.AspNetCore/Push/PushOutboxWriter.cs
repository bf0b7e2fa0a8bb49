using System.Text.Json;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Schedules pushes in the send's own transaction: one outbox entry per chat and batch, for its newest
/// message, due after <see cref="ChatPushOptions.Delay"/> (pushes go for the newest message only, so
/// the older ones of a burst need none). When it is due, <see cref="PushFanOut"/> decides who still needs it.
/// </summary>
internal sealed class PushOutboxWriter(ChatPush push, IChatOutboxStore outbox, IOptions<ChatEngineOptions> options, TimeProvider time) : IChatChangeParticipant
{
    public const string Kind = "push";

    public async Task OnCommittingAsync(IReadOnlyList<ChatLogEntry> changes, CancellationToken cancellationToken)
    {
        if (!push.IsConfigured)
        {
            return;
        }

        var now = time.GetUtcNow();
        var due = now + options.Value.Push.Delay;
        var newest = changes.Where(c => c.Message is not null).Select(c => c.Message!).GroupBy(m => m.ChatId).Select(g => g.MaxBy(m => m.Sequence)!).ToArray();
        await outbox.AddAsync(newest.Select(message => new OutboxMessage
        {
            Kind = Kind,
            DeliveryId = "wp_" + Guid.CreateVersion7(now).ToString("N"),
            Target = message.ChatId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Payload = JsonSerializer.Serialize(new PushDue(message.ChatId, message.Id), ChatJsonContext.Default.PushDue),
            CreatedAt = now,
            DueAt = due,
        }).ToArray(), cancellationToken).ConfigureAwait(false);
    }
}

internal sealed record PushDue(
    [property: System.Text.Json.Serialization.JsonPropertyName("chat_id")] long ChatId,
    [property: System.Text.Json.Serialization.JsonPropertyName("message_id")] long MessageId);

/// <summary>The push payload of the contract, as the device's service worker reads it.</summary>
internal sealed record PushPayload(
    [property: System.Text.Json.Serialization.JsonPropertyName("chat_id")] long ChatId,
    [property: System.Text.Json.Serialization.JsonPropertyName("id")] long Id,
    [property: System.Text.Json.Serialization.JsonPropertyName("seq")] long Seq,
    [property: System.Text.Json.Serialization.JsonPropertyName("chat_name")] string ChatName,
    [property: System.Text.Json.Serialization.JsonPropertyName("sender_username")] string SenderUsername,
    [property: System.Text.Json.Serialization.JsonPropertyName("text"), System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Text,
    [property: System.Text.Json.Serialization.JsonPropertyName("unread")] long Unread,
    [property: System.Text.Json.Serialization.JsonPropertyName("mentioned")] bool Mentioned)
{
    [System.Text.Json.Serialization.JsonPropertyName("type"), System.Text.Json.Serialization.JsonPropertyOrder(-1)]
    public string Type => "message";

    public static PushPayload From(ChatPushMessage m) => new(m.ChatId, m.MessageId, m.Seq, m.ChatName, m.SenderUserName, m.Text, m.Unread, m.Mentioned);

    public ChatPushMessage ToMessage() => new(ChatId, Id, Seq, ChatName, SenderUsername, Text, Unread, Mentioned);
}
