using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>What a stored change says besides its chat, number, kind and time: ids only, never names.</summary>
internal sealed record ChangeData(
    [property: JsonPropertyName("by")] long? By,
    [property: JsonPropertyName("members")] ChangeDataMember[]? Members,
    [property: JsonPropertyName("reason")] MemberRemovalReason? Reason,
    [property: JsonPropertyName("name")] string? Name)
{
    /// <summary>For the message changes: the message.</summary>
    [JsonPropertyName("message")] public long? MessageId { get; init; }

    [JsonPropertyName("emoji")] public string? Emoji { get; init; }

    [JsonPropertyName("on")] public bool? On { get; init; }

    [JsonPropertyName("client_id")] public string? ClientId { get; init; }

    [JsonPropertyName("until")] public DateTimeOffset? Until { get; init; }

    public static ChangeEntity ToEntity(ChatChange change, long seq) => new()
    {
        ChatId = change.ChatId,
        Seq = seq,
        Kind = change.Kind,
        At = EntityTime.ToStored(change.Time),
        Data = JsonSerializer.Serialize(
            new ChangeData(change.ByUserId, change.Members.Select(m => new ChangeDataMember(m.UserId, m.Role)).ToArray(), change.Reason, change.Name)
            {
                MessageId = change.MessageId, Emoji = change.Emoji, On = change.On, ClientId = change.ClientId, Until = change.Until,
            },
            ChangeDataJsonContext.Default.ChangeData),
    };

    public static ChatChange FromEntity(ChangeEntity entity)
    {
        var data = JsonSerializer.Deserialize(entity.Data, ChangeDataJsonContext.Default.ChangeData);
        return new ChatChange
        {
            ChatId = entity.ChatId,
            Seq = entity.Seq,
            Kind = entity.Kind,
            Time = EntityTime.FromStored(entity.At),
            ByUserId = data?.By,
            Members = data?.Members?.Select(m => new ChangedMember(m.Id, m.Role)).ToArray() ?? [],
            Reason = data?.Reason,
            Name = data?.Name,
            MessageId = data?.MessageId,
            Emoji = data?.Emoji,
            On = data?.On,
            ClientId = data?.ClientId,
            Until = data?.Until,
        };
    }
}

internal sealed record ChangeDataMember([property: JsonPropertyName("id")] long Id, [property: JsonPropertyName("role")] ChatRole Role);

[JsonSerializable(typeof(ChangeData))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class ChangeDataJsonContext : JsonSerializerContext;
