using System.Text.Json;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Schedules pushes in the send's own transaction: a chat gets one pending outbox entry, due
/// <see cref="ChatPushOptions.Delay"/> after the message that made it; while it waits, later messages
/// add nothing. When it is due, <see cref="PushFanOut"/> pushes the newest message whose delay is over
/// and moves the entry on to any newer one, so a busy chat costs one entry, not a row per message.
/// Which chats have one is remembered (<see cref="PushSchedule"/>), so most batches ask nothing at all:
/// read from the outbox, a chat's entry holds until it falls due (no worker touches it before then);
/// once a batch has committed, until the delay of the chat's newest message in it is over.
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

    /// <summary>
    /// Each chat with a message in <paramref name="changes"/> had a pending entry when they committed
    /// (known, found or added above). That entry stays pending at least until the delay of the chat's
    /// newest message here is over: it ends only once a push covers the chat's newest message, and a
    /// push goes for a message no sooner than that. Without this a busy chat's batches read the outbox
    /// again from a second before its entry fell due until a worker moved the entry on: hundreds of reads
    /// in the write loop every <see cref="ChatPushOptions.Delay"/>. Unless retention could delete the
    /// message before then (the entry would end with nothing to push).
    /// </summary>
    public void OnCommitted(IReadOnlyList<ChatLogEntry> changes)
    {
        var engine = options.Value;
        if (!availability.IsOn || engine.Retention.MaxMessageAge <= engine.Push.Delay + PushSchedule.ClockMargin)
        {
            return;
        }

        foreach (var change in changes)
        {
            if (change.Message is { } message)
            {
                schedule.Remember(message.ChatId, message.SentAt + engine.Push.Delay);
            }
        }
    }

    private static string Target(long chatId) => chatId.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The chats known (on this host) to have a pending push, and until when that holds.</summary>
internal sealed class PushSchedule
{
    /// <summary>A worker may claim an entry once its time comes by its own clock: hosts' clocks may differ a little.</summary>
    public static readonly TimeSpan ClockMargin = TimeSpan.FromSeconds(1);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, DateTimeOffset> _pendingUntil = new();

    public bool IsPending(long chatId, DateTimeOffset now)
    {
        if (!_pendingUntil.TryGetValue(chatId, out var until))
        {
            return false;
        }

        if (now < until - ClockMargin)
        {
            return true;
        }

        _pendingUntil.TryRemove(KeyValuePair.Create(chatId, until)); // Read again next time: quiet chats leave no entry behind.
        return false;
    }

    /// <summary>Remembers that the chat's push is pending until <paramref name="until"/>, or later if that is known already.</summary>
    public void Remember(long chatId, DateTimeOffset until) =>
        _pendingUntil.AddOrUpdate(chatId, static (_, until) => until, static (_, known, until) => known > until ? known : until, until); // No closure: called per message in the write loop.
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
