using System.Globalization;
using System.Text.Json.Serialization;

namespace ChatEngine.AspNetCore;

// The wire contract (shared/api-contract.md): names exactly as the original application's clients
// expect them, camelCase where it used camelCase and snake_case where it used snake_case.

internal sealed record ChatListItemResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("lastMessage")] string? LastMessage,
    [property: JsonPropertyName("unread")] long Unread,
    [property: JsonPropertyName("time")] string Time,
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("is_online")] bool IsOnline);

internal sealed record GroupListItemResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("lastMessage")] string? LastMessage,
    [property: JsonPropertyName("unread")] long Unread,
    [property: JsonPropertyName("time")] string Time,
    [property: JsonPropertyName("seq")] long Seq);

internal sealed record GroupResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("code")] string? Code,
    [property: JsonPropertyName("members")] IReadOnlyList<string> Members,
    [property: JsonPropertyName("admins")] IReadOnlyList<string> Admins,
    [property: JsonPropertyName("owner")] string? Owner,
    [property: JsonPropertyName("lastMessage")] string? LastMessage,
    [property: JsonPropertyName("unread")] long Unread,
    [property: JsonPropertyName("time")] string Time,
    [property: JsonPropertyName("seq")] long Seq);

internal sealed record MessageResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("sender")] long Sender,
    [property: JsonPropertyName("sendername")] string SenderName,
    [property: JsonPropertyName("time")] string Time,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("read")] bool Read,
    [property: JsonPropertyName("read_by")] IReadOnlyDictionary<string, string> ReadBy);

internal sealed record ChatDetailResponse
{
    [JsonPropertyName("id")] public required long Id { get; init; }
    [JsonPropertyName("chatname")] public required string ChatName { get; init; }
    [JsonPropertyName("messages")] public required IReadOnlyList<MessageResponse> Messages { get; init; }
    [JsonPropertyName("myid")] public required long MyId { get; init; }
    [JsonPropertyName("is_online")] public required bool IsOnline { get; init; }
    [JsonPropertyName("lastseen")] public string? LastSeen { get; init; }
    [JsonPropertyName("has_more")] public required bool HasMore { get; init; }
    [JsonPropertyName("seq")] public required long Seq { get; init; }

    [JsonPropertyName("has_newer")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? HasNewer { get; init; }

    [JsonPropertyName("members")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Members { get; init; }

    [JsonPropertyName("admins")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Admins { get; init; }

    [JsonPropertyName("code")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Code { get; init; }

    [JsonPropertyName("owner")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Owner { get; init; }
}

internal sealed record UserSearchResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("is_online")] bool IsOnline,
    [property: JsonPropertyName("lastseen")] string? LastSeen);

internal sealed record GroupJoinResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("detail")]
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Detail);

internal sealed record JoinCodeResponse([property: JsonPropertyName("code")] string Code);

internal sealed record StartChatRequest(
    [property: JsonPropertyName("username_input")] string? UsernameInput,
    [property: JsonPropertyName("username")] string? Username);

internal sealed record CreateGroupRequest(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("members")] IReadOnlyList<string>? Members);

internal sealed record JoinGroupRequest([property: JsonPropertyName("code")] string? Code);

internal sealed record RenameGroupRequest([property: JsonPropertyName("name")] string? Name);

internal sealed record AddMembersRequest(
    [property: JsonPropertyName("usernames")] IReadOnlyList<string>? Usernames,
    [property: JsonPropertyName("members")] IReadOnlyList<string>? Members);

internal sealed record UserNameRequest([property: JsonPropertyName("username")] string? Username);

// Real-time frames, server to client.

internal sealed record MessageFrame
{
    [JsonPropertyName("type")] public string Type => "message";
    [JsonPropertyName("id")] public required long Id { get; init; }
    [JsonPropertyName("chat_id")] public required long ChatId { get; init; }
    [JsonPropertyName("sender")] public required long Sender { get; init; }
    [JsonPropertyName("sender_username")] public required string SenderUsername { get; init; }
    [JsonPropertyName("text")] public required string Text { get; init; }
    [JsonPropertyName("time")] public required string Time { get; init; }
    [JsonPropertyName("read")] public bool Read => false;
    [JsonPropertyName("read_by")] public IReadOnlyList<string> ReadBy => [];
    [JsonPropertyName("client_id")] public string? ClientId { get; init; }
    [JsonPropertyName("seq")] public required long Seq { get; init; }

    public static MessageFrame From(MessageCommitted committed) => new()
    {
        Id = committed.Message.Id,
        Seq = committed.Message.Seq,
        ChatId = committed.Message.ChatId,
        Sender = committed.Sender.Id,
        SenderUsername = committed.Sender.UserName,
        Text = committed.Message.Text,
        Time = WireTime.Format(committed.Message.SentAt),
        ClientId = committed.Message.ClientId,
    };
}

internal sealed record ReadFrame(
    [property: JsonPropertyName("chat_id")] long ChatId,
    [property: JsonPropertyName("user")] long User,
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("up_to")] long UpTo,
    [property: JsonPropertyName("time")] string Time)
{
    [JsonPropertyName("type")] public string Type => "read";
}

internal sealed record TypingFrame(
    [property: JsonPropertyName("chat_id")] long ChatId,
    [property: JsonPropertyName("user")] long User,
    [property: JsonPropertyName("username")] string Username)
{
    [JsonPropertyName("type")] public string Type => "typing";
}

internal sealed record StatusFrame(
    [property: JsonPropertyName("user")] long User,
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("is_online")] bool IsOnline,
    [property: JsonPropertyName("lastseen")] string? LastSeen)
{
    [JsonPropertyName("type")] public string Type => "status";
}

internal sealed record ErrorFrame(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("detail")] string Detail)
{
    [JsonPropertyName("type")] public string Type => "error";
}

internal sealed record FileInfoPayload(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("size")] long? Size,
    [property: JsonPropertyName("data")] string? Data);

internal sealed record FileFrame
{
    [JsonPropertyName("type")] public string Type => "file";
    [JsonPropertyName("chat_id")] public required long ChatId { get; init; }
    [JsonPropertyName("sender")] public required long Sender { get; init; }
    [JsonPropertyName("sender_username")] public required string SenderUsername { get; init; }
    [JsonPropertyName("time")] public required string Time { get; init; }
    [JsonPropertyName("file")] public required FileInfoPayload File { get; init; }

    [JsonPropertyName("text")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Text { get; init; }
}

// Real-time frames, client to server. Unknown extra fields (the original client's chat_id, sender,
// time...) are ignored: sender and chat always come from the connection.

internal sealed record IncomingFrame(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("text")] string? Text,
    [property: JsonPropertyName("client_id")] string? ClientId,
    [property: JsonPropertyName("up_to")] long? UpTo,
    [property: JsonPropertyName("file")] FileInfoPayload? File);

/// <summary>Times go out as ISO 8601 UTC with a <c>Z</c>, to the millisecond, as the original's clients parse them.</summary>
internal static class WireTime
{
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string? Format(DateTimeOffset? time) => time is { } value ? Format(value) : null;
}

internal sealed record WebAppManifest(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("short_name")] string ShortName,
    [property: JsonPropertyName("start_url")] string StartUrl,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("display")] string Display,
    [property: JsonPropertyName("background_color")] string BackgroundColor,
    [property: JsonPropertyName("theme_color")] string ThemeColor,
    [property: JsonPropertyName("icons")] IReadOnlyList<WebAppManifestIcon> Icons);

internal sealed record WebAppManifestIcon(
    [property: JsonPropertyName("src")] string Src,
    [property: JsonPropertyName("sizes")] string Sizes,
    [property: JsonPropertyName("type")] string Type);
