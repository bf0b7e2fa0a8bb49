using System.Text.Json;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Schedules pushes in the send's own transaction: a chat gets one pending outbox entry, due
/// <see cref="ChatPushOptions.Delay"/> after the message that made it; while it waits, later messages
/// add nothing. When it is due, <see cref="PushFanOut"/> pushes the newest message whose delay is over
/// and moves the entry on to any newer one, so a busy chat costs one entry, not a row per message.
/// Which chats have one is read from the outbox and remembered until that entry falls due (no worker
/// touches an entry before then), so most batches ask nothing at all.
/// </summary>
internal sealed class PushOutboxWriter(PushAvailability availability, PushSchedule schedule, IChatOutboxStore outbox, IOptions<ChatEngineOptions> options, TimeProvider time)
    : IChatChangeParticipant
{
    public const string Kind = "push";

    public async Task OnCommittingAsync(IReadOnlyList<ChatLogEntry> changes, CancellationToken cancellationToken)
    {
        if (!availability.IsOn)
        {
            return;
        }

        var now = time.GetUtcNow();
        var due = now + options.Value.Push.Delay;
        var unknown = changes.Where(c => c.Message is not null && !schedule.IsPending(c.Message.ChatId, now)).Select(c => c.Message!)
            .GroupBy(m => m.ChatId).Select(g => g.MinBy(m => m.Sequence)!).ToArray();
        if (unknown.Length == 0)
        {
            return;
        }

        var pending = await outbox.FindPendingAsync(Kind, unknown.Select(m => Target(m.ChatId)).ToArray(), cancellationToken).ConfigureAwait(false);
        foreach (var (target, dueAt) in pending)
        {
            // Committed by someone: remembered. What this batch adds is not, until it is read back committed.
            schedule.Remember(long.Parse(target, System.Globalization.CultureInfo.InvariantCulture), dueAt);
        }

        await outbox.AddAsync(unknown.Where(m => !pending.ContainsKey(Target(m.ChatId))).Select(message => new OutboxMessage
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

/// <summary>The chats known (on this host) to have a pending push, until it falls due.</summary>
internal sealed class PushSchedule
{
    // A worker may claim an entry once its time comes by its own clock: hosts' clocks may differ a little.
    private static readonly TimeSpan ClockMargin = TimeSpan.FromSeconds(1);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, DateTimeOffset> _dueAt = new();

    public bool IsPending(long chatId, DateTimeOffset now)
    {
        if (!_dueAt.TryGetValue(chatId, out var due))
        {
            return false;
        }

        if (now < due - ClockMargin)
        {
            return true;
        }

        _dueAt.TryRemove(KeyValuePair.Create(chatId, due)); // Read again next time: quiet chats leave no entry behind.
        return false;
    }

    public void Remember(long chatId, DateTimeOffset dueAt) => _dueAt[chatId] = dueAt;
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
