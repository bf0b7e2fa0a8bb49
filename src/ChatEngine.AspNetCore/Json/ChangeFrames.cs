using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatEngine.AspNetCore;

// The change events of the v2 contract (docs/api-contract-v2.md, section 2's event table): each carries
// type, chat_id, seq and time, and the state after the change.

internal sealed record ChangedUser(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("role")] string Role);

internal abstract record ChangeFrame
{
    // The common fields first, as in every other frame; "by" last.
    [JsonPropertyName("type"), JsonPropertyOrder(-4)] public required string Type { get; init; }
    [JsonPropertyName("chat_id"), JsonPropertyOrder(-3)] public required long ChatId { get; init; }
    [JsonPropertyName("seq"), JsonPropertyOrder(-2)] public required long Seq { get; init; }
    [JsonPropertyName("time"), JsonPropertyOrder(-1)] public required string Time { get; init; }
    [JsonPropertyName("by"), JsonPropertyOrder(1)] public long? By { get; init; }
}

internal sealed record MemberAddedFrame : ChangeFrame
{
    [JsonPropertyName("users")] public required IReadOnlyList<ChangedUser> Users { get; init; }
}

internal sealed record MemberRemovedFrame : ChangeFrame
{
    [JsonPropertyName("user")] public required long User { get; init; }
    [JsonPropertyName("username")] public required string Username { get; init; }
    [JsonPropertyName("reason")] public required string Reason { get; init; }
    [JsonPropertyName("until")] public string? Until { get; init; }
}

internal sealed record MemberMutedFrame : ChangeFrame
{
    [JsonPropertyName("user")] public required long User { get; init; }
    [JsonPropertyName("username")] public required string Username { get; init; }
    [JsonPropertyName("muted")] public required bool Muted { get; init; }
    [JsonPropertyName("until")] public string? Until { get; init; }
}

internal sealed record RoleChangedFrame : ChangeFrame
{
    [JsonPropertyName("user")] public required long User { get; init; }
    [JsonPropertyName("username")] public required string Username { get; init; }
    [JsonPropertyName("role")] public required string Role { get; init; }
}

internal sealed record ChatUpdatedFrame : ChangeFrame
{
    [JsonPropertyName("name")] public required string? Name { get; init; }
}

internal sealed record ChatDeletedFrame : ChangeFrame;

internal sealed record MessageUpdatedFrame : ChangeFrame
{
    [JsonPropertyName("id")] public required long Id { get; init; }
    [JsonPropertyName("text")] public required string Text { get; init; }
    [JsonPropertyName("edited_at")] public string? EditedAt { get; init; }
    [JsonPropertyName("mentions")] public IReadOnlyList<long> Mentions { get; init; } = [];
    [JsonPropertyName("client_id")] public string? ClientId { get; init; }
}

internal sealed record MessageDeletedFrame : ChangeFrame
{
    [JsonPropertyName("id")] public required long Id { get; init; }
}

internal sealed record ReactionFrame : ChangeFrame
{
    [JsonPropertyName("id")] public required long Id { get; init; }
    [JsonPropertyName("emoji")] public required string Emoji { get; init; }
    [JsonPropertyName("user")] public required long User { get; init; }
    [JsonPropertyName("username")] public required string Username { get; init; }
    [JsonPropertyName("on")] public required bool On { get; init; }
    [JsonPropertyName("count")] public required int Count { get; init; }
}

internal sealed record PinFrame : ChangeFrame
{
    [JsonPropertyName("id")] public required long Id { get; init; }
    [JsonPropertyName("pinned")] public required bool Pinned { get; init; }
}

/// <summary>Ends a replay on <c>ws/chat/{id}/?after_seq=</c>: what follows is live.</summary>
internal sealed record CaughtUpFrame(
    [property: JsonPropertyName("chat_id")] long ChatId,
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("limited")] bool Limited)
{
    [JsonPropertyName("type")] public string Type => "caught_up";
}

/// <summary><c>GET /chat/{id}/changes</c> and the hub's <c>JoinChatSince</c>.</summary>
internal sealed record ChangesResponse(
    [property: JsonPropertyName("events")] IReadOnlyList<JsonElement> Events,
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("has_more")] bool HasMore,
    [property: JsonPropertyName("limited")] bool Limited);

/// <summary>Turns numbered changes into their wire frames.</summary>
internal static class ChangeFrames
{
    public static byte[] Serialize(ChatChange change)
    {
        var common = (Type: TypeOf(change.Kind), change.ChatId, change.Seq, Time: WireTime.Format(change.Time), By: change.ByUserId);
        var member = change.Members.Count > 0 ? change.Members[0] : new ChangedMember(0, ChatRole.Member);
        return change.Kind switch
        {
            ChatChangeKind.MemberAdded => JsonSerializer.SerializeToUtf8Bytes(
                new MemberAddedFrame
                {
                    Type = common.Type, ChatId = common.ChatId, Seq = common.Seq, Time = common.Time, By = common.By,
                    Users = change.Members.Select(m => new ChangedUser(m.UserId, m.UserName, RoleOf(m.Role))).ToArray(),
                },
                ChatJsonContext.Default.MemberAddedFrame),
            ChatChangeKind.MemberRemoved => JsonSerializer.SerializeToUtf8Bytes(
                new MemberRemovedFrame
                {
                    Type = common.Type, ChatId = common.ChatId, Seq = common.Seq, Time = common.Time, By = common.By,
                    User = member.UserId, Username = member.UserName, Reason = RemovalReasonName(change.Reason),
                    Until = change.Reason == MemberRemovalReason.Banned ? WireTime.Format(change.Until) : null,
                },
                ChatJsonContext.Default.MemberRemovedFrame),
            ChatChangeKind.MemberMuted => JsonSerializer.SerializeToUtf8Bytes(
                new MemberMutedFrame
                {
                    Type = common.Type, ChatId = common.ChatId, Seq = common.Seq, Time = common.Time, By = common.By,
                    User = member.UserId, Username = member.UserName, Muted = change.On == true, Until = WireTime.Format(change.Until),
                },
                ChatJsonContext.Default.MemberMutedFrame),
            ChatChangeKind.RoleChanged => JsonSerializer.SerializeToUtf8Bytes(
                new RoleChangedFrame
                {
                    Type = common.Type, ChatId = common.ChatId, Seq = common.Seq, Time = common.Time, By = common.By,
                    User = member.UserId, Username = member.UserName, Role = RoleOf(member.Role),
                },
                ChatJsonContext.Default.RoleChangedFrame),
            ChatChangeKind.ChatUpdated => JsonSerializer.SerializeToUtf8Bytes(
                new ChatUpdatedFrame { Type = common.Type, ChatId = common.ChatId, Seq = common.Seq, Time = common.Time, By = common.By, Name = change.Name },
                ChatJsonContext.Default.ChatUpdatedFrame),
            // A replay describes the message as it is now: an edit of a message deleted since shows it empty.
            ChatChangeKind.MessageUpdated => JsonSerializer.SerializeToUtf8Bytes(
                new MessageUpdatedFrame
                {
                    Type = common.Type, ChatId = common.ChatId, Seq = common.Seq, Time = common.Time, By = common.By,
                    Id = change.MessageId ?? 0, Text = change.Message?.Text ?? string.Empty, EditedAt = WireTime.Format(change.Message?.EditedAt), ClientId = change.ClientId,
                    Mentions = change.Message?.MentionIds ?? [],
                },
                ChatJsonContext.Default.MessageUpdatedFrame),
            ChatChangeKind.MessageDeleted => JsonSerializer.SerializeToUtf8Bytes(
                new MessageDeletedFrame { Type = common.Type, ChatId = common.ChatId, Seq = common.Seq, Time = common.Time, By = common.By, Id = change.MessageId ?? 0 },
                ChatJsonContext.Default.MessageDeletedFrame),
            ChatChangeKind.ReactionChanged => JsonSerializer.SerializeToUtf8Bytes(
                new ReactionFrame
                {
                    Type = common.Type, ChatId = common.ChatId, Seq = common.Seq, Time = common.Time, By = common.By,
                    Id = change.MessageId ?? 0, Emoji = change.Emoji ?? string.Empty, User = member.UserId, Username = member.UserName, On = change.On ?? false, Count = change.Count ?? 0,
                },
                ChatJsonContext.Default.ReactionFrame),
            ChatChangeKind.PinChanged => JsonSerializer.SerializeToUtf8Bytes(
                new PinFrame { Type = common.Type, ChatId = common.ChatId, Seq = common.Seq, Time = common.Time, By = common.By, Id = change.MessageId ?? 0, Pinned = change.On ?? false },
                ChatJsonContext.Default.PinFrame),
            _ => JsonSerializer.SerializeToUtf8Bytes(
                new ChatDeletedFrame { Type = common.Type, ChatId = common.ChatId, Seq = common.Seq, Time = common.Time, By = common.By },
                ChatJsonContext.Default.ChatDeletedFrame),
        };
    }

    /// <summary>A replayed or live event as the JSON element a REST answer or hub result carries.</summary>
    public static JsonElement ToElement(ChatEvent chatEvent, AttachmentLinks links) => chatEvent switch
    {
        MessageCommitted message => JsonSerializer.SerializeToElement(MessageFrame.From(message, links), ChatJsonContext.Default.MessageFrame),
        ChatChanged changed => JsonSerializer.Deserialize(Serialize(changed.Change), ChatJsonContext.Default.JsonElement),
        _ => throw new ArgumentException($"{chatEvent.GetType().Name} is not a numbered change.", nameof(chatEvent)),
    };

    public static ChangesResponse ToResponse(ChatChangesPage page, AttachmentLinks links) =>
        new(page.Events.Select(e => ToElement(e, links)).ToArray(), page.Seq, page.HasMore, page.Limited);

    /// <summary>The users a <c>member_added</c> frame adds (read back from the frame a relay carried).</summary>
    public static IReadOnlyList<long> AddedUserIds(ReadOnlyMemory<byte> frame) =>
        JsonSerializer.Deserialize(frame.Span, ChatJsonContext.Default.MemberAddedFrame)?.Users.Select(u => u.Id).ToArray() ?? [];

    /// <summary>Why a <c>member_removed</c> frame's member left.</summary>
    public static ChatRemovalReason RemovalReasonOf(ReadOnlyMemory<byte> frame) =>
        JsonSerializer.Deserialize(frame.Span, ChatJsonContext.Default.MemberRemovedFrame)?.Reason switch
        {
            "left" => ChatRemovalReason.Left,
            "banned" => ChatRemovalReason.Banned,
            "erased" => ChatRemovalReason.Erased,
            _ => ChatRemovalReason.Removed,
        };

    /// <summary>Whom a <c>message_updated</c> frame's text mentions.</summary>
    public static IReadOnlyList<long> MentionIds(ReadOnlyMemory<byte> frame) =>
        JsonSerializer.Deserialize(frame.Span, ChatJsonContext.Default.MessageUpdatedFrame)?.Mentions ?? [];

    public static string TypeOf(ChatChangeKind kind) => kind switch
    {
        ChatChangeKind.MemberAdded => "member_added",
        ChatChangeKind.MemberRemoved => "member_removed",
        ChatChangeKind.RoleChanged => "role_changed",
        ChatChangeKind.ChatUpdated => "chat_updated",
        ChatChangeKind.MessageUpdated => "message_updated",
        ChatChangeKind.MessageDeleted => "message_deleted",
        ChatChangeKind.ReactionChanged => "reaction",
        ChatChangeKind.PinChanged => "pin",
        ChatChangeKind.MemberMuted => "member_muted",
        _ => "chat_deleted",
    };

    public static string RemovalReasonName(MemberRemovalReason? reason) => reason switch
    {
        MemberRemovalReason.Left => "left",
        MemberRemovalReason.Banned => "banned",
        MemberRemovalReason.Erased => "erased",
        _ => "removed",
    };

    public static string RoleOf(ChatRole role) => role switch
    {
        ChatRole.Owner => "owner",
        ChatRole.Admin => "admin",
        _ => "member",
    };
}
