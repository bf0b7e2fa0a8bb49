using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatEngine.AspNetCore;

// The user stream and /sync/ (contract v2, section 4).

internal sealed record ChatAddedFrame(
    [property: JsonPropertyName("chat_id")] long ChatId,
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("chat")] JsonElement Chat)
{
    [JsonPropertyName("type"), JsonPropertyOrder(-1)] public string Type => "chat_added";
}

internal sealed record ChatRemovedFrame(
    [property: JsonPropertyName("chat_id")] long ChatId,
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("reason")] string Reason)
{
    [JsonPropertyName("type"), JsonPropertyOrder(-1)] public string Type => "chat_removed";
}

internal sealed record UnreadFrame(
    [property: JsonPropertyName("chat_id")] long ChatId,
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("unread")] long Unread,
    [property: JsonPropertyName("mentions")] long Mentions)
{
    [JsonPropertyName("type"), JsonPropertyOrder(-1)] public string Type => "unread";
}

internal sealed record NotificationsFrame(
    [property: JsonPropertyName("chat_id")] long ChatId,
    [property: JsonPropertyName("level")] string Level,
    [property: JsonPropertyName("muted_until")] string? MutedUntil)
{
    [JsonPropertyName("type"), JsonPropertyOrder(-1)] public string Type => "notifications";
}

internal sealed record SyncedFrame(
    [property: JsonPropertyName("next")] string Next,
    [property: JsonPropertyName("limited")] bool Limited,
    [property: JsonPropertyName("limited_chats")] IReadOnlyList<long> LimitedChats)
{
    [JsonPropertyName("type"), JsonPropertyOrder(-1)] public string Type => "synced";
}

internal sealed record CursorFrame([property: JsonPropertyName("next")] string Next)
{
    [JsonPropertyName("type"), JsonPropertyOrder(-1)] public string Type => "cursor";
}

internal sealed record SyncResponse(
    [property: JsonPropertyName("events")] IReadOnlyList<JsonElement> Events,
    [property: JsonPropertyName("next")] string Next,
    [property: JsonPropertyName("has_more")] bool HasMore,
    [property: JsonPropertyName("limited")] bool Limited,
    [property: JsonPropertyName("limited_chats")] IReadOnlyList<long> LimitedChats);

internal sealed record SyncRequest(
    [property: JsonPropertyName("since")] string? Since,
    [property: JsonPropertyName("limit")] int? Limit);

/// <summary>Turns the user-level events (and every other event a sync carries) into their wire frames.</summary>
internal static class SyncFrames
{
    public static byte[] Serialize(ChatEvent chatEvent, AttachmentLinks links) => chatEvent switch
    {
        ChatAdded added => JsonSerializer.SerializeToUtf8Bytes(
            new ChatAddedFrame(added.Chat.ChatId, added.Chat.Seq, added.Kind == ChatKind.Group ? "group" : "private", ListItem(added)),
            ChatJsonContext.Default.ChatAddedFrame),
        ChatRemoved removed => JsonSerializer.SerializeToUtf8Bytes(
            new ChatRemovedFrame(removed.ChatId, removed.Seq, ReasonName(removed.Reason)), ChatJsonContext.Default.ChatRemovedFrame),
        UnreadCounted unread => JsonSerializer.SerializeToUtf8Bytes(
            new UnreadFrame(unread.ChatId, unread.Seq, unread.Unread, unread.Mentions), ChatJsonContext.Default.UnreadFrame),
        NotificationSettingsChanged settings => JsonSerializer.SerializeToUtf8Bytes(
            new NotificationsFrame(settings.ChatId, NotifyLevels.Name(settings.Settings.Level), WireTime.Format(settings.Settings.MutedUntil)),
            ChatJsonContext.Default.NotificationsFrame),
        _ => ChatEventFanOut.ToBroadcast(chatEvent, links)?.Frame ?? throw new ArgumentException($"{chatEvent.GetType().Name} has no frame.", nameof(chatEvent)),
    };

    public static SyncResponse ToResponse(SyncPage page, string next, AttachmentLinks links) => new(
        page.Events.Select(e => JsonSerializer.Deserialize(Serialize(e, links), ChatJsonContext.Default.JsonElement)).ToArray(),
        next, page.HasMore, page.Limited, page.LimitedChats);

    public static string ReasonName(ChatRemovalReason reason) => reason switch
    {
        ChatRemovalReason.Left => "left",
        ChatRemovalReason.Deleted => "deleted",
        ChatRemovalReason.Banned => "banned",
        ChatRemovalReason.Erased => "erased",
        _ => "removed",
    };

    private static JsonElement ListItem(ChatAdded added) => added.Kind == ChatKind.Group
        ? JsonSerializer.SerializeToElement(ListItems.Group(added.Chat), ChatJsonContext.Default.GroupListItemResponse)
        : JsonSerializer.SerializeToElement(ListItems.Private(added.Chat), ChatJsonContext.Default.ChatListItemResponse);
}

/// <summary>The <c>/chat/</c> and <c>/group/</c> list items, as the lists, their answers and <c>chat_added</c> show them.</summary>
internal static class ListItems
{
    public static ChatListItemResponse Private(ChatListItem c) => new(
        c.ChatId, c.Title, c.LastMessage, c.Unread, WireTime.Format(c.Time), c.Seq, c.IsOnline, c.Mentions,
        NotifyLevels.Name(c.Notifications.Level), WireTime.Format(c.Notifications.MutedUntil), c.Blocked);

    public static GroupListItemResponse Group(ChatListItem c) => new(
        c.ChatId, c.Title, c.LastMessage, c.Unread, WireTime.Format(c.Time), c.Seq, c.Mentions,
        NotifyLevels.Name(c.Notifications.Level), WireTime.Format(c.Notifications.MutedUntil));
}
