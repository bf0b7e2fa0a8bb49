using System.Text.Json;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Schedules pushes in the send's own transaction: a chat gets one pending outbox entry, due
/// <see cref="ChatPushOptions.Delay"/> after the message that made it; while it waits, later messages
/// add nothing (one query per batch finds the chats that have one). When it is due,
/// <see cref="PushFanOut"/> pushes the newest message whose delay is over and moves the entry on to
/// any newer one, so a busy chat costs one entry, not a row per message.
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
        var oldest = changes.Where(c => c.Message is not null).Select(c => c.Message!).GroupBy(m => m.ChatId).Select(g => g.MinBy(m => m.Sequence)!).ToArray();
        if (oldest.Length == 0)
        {
            return;
        }

        var pending = await outbox.FindPendingTargetsAsync(Kind, oldest.Select(m => Target(m.ChatId)).ToArray(), cancellationToken).ConfigureAwait(false);
        await outbox.AddAsync(oldest.Where(m => !pending.Contains(Target(m.ChatId))).Select(message => new OutboxMessage
        {
            Kind = Kind,
            DeliveryId = "wp_" + Guid.CreateVersion7(now).ToString("N"),
            Target = Target(message.ChatId),
            Payload = JsonSerializer.Serialize(new PushDue(message.ChatId, message.Id), ChatJsonContext.Default.PushDue),
            CreatedAt = now,
            DueAt = due,
        }).ToArray(), cancellationToken).ConfigureAwait(false);
    }

    private static string Target(long chatId) => chatId.ToString(System.Globalization.CultureInfo.InvariantCulture);
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
