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
    [property: JsonPropertyName("is_online")] bool IsOnline,
    [property: JsonPropertyName("mentions")] long Mentions,
    [property: JsonPropertyName("notify_level")] string NotifyLevel,
    [property: JsonPropertyName("muted_until")] string? MutedUntil,
    [property: JsonPropertyName("blocked")] bool Blocked);

internal sealed record GroupListItemResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("lastMessage")] string? LastMessage,
    [property: JsonPropertyName("unread")] long Unread,
    [property: JsonPropertyName("time")] string Time,
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("mentions")] long Mentions,
    [property: JsonPropertyName("notify_level")] string NotifyLevel,
    [property: JsonPropertyName("muted_until")] string? MutedUntil);

internal sealed record NotificationSettingsResponse(
    [property: JsonPropertyName("level")] string Level,
    [property: JsonPropertyName("muted_until")] string? MutedUntil)
{
    public static NotificationSettingsResponse From(ChatNotificationSettings settings) =>
        new(NotifyLevels.Name(settings.Level), WireTime.Format(settings.MutedUntil));
}

internal sealed record NotificationSettingsRequest(
    [property: JsonPropertyName("level")] string? Level,
    [property: JsonPropertyName("muted_until")] string? MutedUntil);

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
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("notify_level")] string NotifyLevel,
    [property: JsonPropertyName("muted_until")] string? MutedUntil,
    [property: JsonPropertyName("muted")] IReadOnlyList<MutedMemberResponse> Muted);

/// <summary>A group member an admin muted, as group answers and details list them.</summary>
internal sealed record MutedMemberResponse(
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("until")] string? Until)
{
    public static IReadOnlyList<MutedMemberResponse> From(IReadOnlyList<MutedMember> muted) =>
        muted.Select(m => new MutedMemberResponse(m.User.UserName, WireTime.Format(m.Until))).ToArray();
}

/// <summary>A message as REST pages, pins and <c>GET …/messages/{mid}</c> return it (contract v2, section 2).</summary>
internal sealed record MessageResponse
{
    [JsonPropertyName("id")] public required long Id { get; init; }
    [JsonPropertyName("sender")] public required long Sender { get; init; }
    [JsonPropertyName("sendername")] public required string SenderName { get; init; }
    [JsonPropertyName("time")] public required string Time { get; init; }
    [JsonPropertyName("text")] public required string Text { get; init; }
    [JsonPropertyName("read")] public required bool Read { get; init; }
    [JsonPropertyName("read_by")] public required IReadOnlyDictionary<string, string> ReadBy { get; init; }
    [JsonPropertyName("edited_at")] public string? EditedAt { get; init; }
    [JsonPropertyName("deleted")] public bool Deleted { get; init; }
    [JsonPropertyName("pinned")] public bool Pinned { get; init; }
    [JsonPropertyName("mentions")] public IReadOnlyList<long> Mentions { get; init; } = [];
    [JsonPropertyName("reply_to")] public long? ReplyTo { get; init; }
    [JsonPropertyName("reply_preview")] public ReplyPreviewResponse? ReplyPreview { get; init; }
    [JsonPropertyName("reactions")] public IReadOnlyList<ReactionResponse> Reactions { get; init; } = [];
    [JsonPropertyName("attachments")] public IReadOnlyList<AttachmentResponse> Attachments { get; init; } = [];

    [JsonPropertyName("client_id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ClientId { get; init; }

    [JsonPropertyName("pinned_by")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? PinnedBy { get; init; }

    [JsonPropertyName("pinned_at")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PinnedAt { get; init; }

    public static MessageResponse From(MessageView view, AttachmentLinks links, bool withPin = false)
    {
        var message = view.Message;
        return new MessageResponse
        {
            Id = message.Id,
            Sender = message.SenderId,
            SenderName = view.Sender.UserName,
            Time = WireTime.Format(message.SentAt),
            Text = message.Text,
            Read = view.ReadBy.Count > 0,
            ReadBy = view.ReadBy.ToDictionary(r => r.UserName, r => WireTime.Format(r.ReadAt)),
            EditedAt = WireTime.Format(message.EditedAt),
            Deleted = message.IsDeleted,
            Pinned = message.PinnedAt is not null,
            ReplyTo = message.IsDeleted ? null : message.ReplyToId,
            ReplyPreview = ReplyPreviewResponse.From(view.ReplyPreview),
            Reactions = view.Reactions.Select(ReactionResponse.From).ToArray(),
            Attachments = AttachmentResponse.From(view.Attachments, links),
            Mentions = message.IsDeleted ? [] : message.MentionIds,
            PinnedBy = withPin ? message.PinnedByUserId : null,
            PinnedAt = withPin ? WireTime.Format(message.PinnedAt) : null,
        };
    }
}

internal sealed record ReplyPreviewResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("sender")] long Sender,
    [property: JsonPropertyName("sender_username")] string SenderUsername,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("deleted")] bool Deleted,
    [property: JsonPropertyName("attachments")] int Attachments)
{
    public static ReplyPreviewResponse? From(ReplyPreview? preview) => preview is null
        ? null
        : new(preview.Id, preview.SenderId, preview.SenderUserName, preview.Text, preview.Deleted, preview.Attachments);
}

internal sealed record ReactionResponse(
    [property: JsonPropertyName("emoji")] string Emoji,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("me")] bool Me)
{
    public static ReactionResponse From(ReactionCount count) => new(count.Emoji, count.Count, count.Me);
}

/// <summary>A stored file of a message (contract v2, section 3).</summary>
internal record AttachmentResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("thumb_url")] string? ThumbUrl,
    [property: JsonPropertyName("width")] int? Width,
    [property: JsonPropertyName("height")] int? Height)
{
    public static AttachmentResponse From(ChatAttachment attachment, AttachmentLinks links) => new(
        attachment.Id, attachment.Name, attachment.ContentType, attachment.Size, links.Content(attachment), links.Thumbnail(attachment),
        attachment.IsInline ? attachment.Width : null, attachment.IsInline ? attachment.Height : null);

    public static IReadOnlyList<AttachmentResponse> From(IReadOnlyList<ChatAttachment> attachments, AttachmentLinks links) =>
        attachments.Count == 0 ? [] : attachments.Select(a => From(a, links)).ToArray();
}

/// <summary>The answer to an upload: the pending attachment, and when it expires unless a message carries it.</summary>
internal sealed record UploadResponse : AttachmentResponse
{
    public UploadResponse(AttachmentResponse attachment, string expires)
        : base(attachment) => Expires = expires;

    [JsonPropertyName("expires")] public string Expires { get; }
}

internal sealed record ReactorResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("time")] string Time);

internal sealed record ReactorsResponse(
    [property: JsonPropertyName("users")] IReadOnlyList<ReactorResponse> Users,
    [property: JsonPropertyName("has_more")] bool HasMore);

internal sealed record SendMessageRequest(
    [property: JsonPropertyName("text")] string? Text,
    [property: JsonPropertyName("client_id")] string? ClientId,
    [property: JsonPropertyName("reply_to")] long? ReplyTo,
    [property: JsonPropertyName("attachments")] IReadOnlyList<string>? Attachments);

internal sealed record EditMessageRequest(
    [property: JsonPropertyName("text")] string? Text,
    [property: JsonPropertyName("client_id")] string? ClientId);

internal sealed record ReactionRequest([property: JsonPropertyName("emoji")] string? Emoji);

internal sealed record PinRequest([property: JsonPropertyName("id")] long? Id);

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
    [JsonPropertyName("notify_level")] public required string NotifyLevel { get; init; }
    [JsonPropertyName("muted_until")] public string? MutedUntil { get; init; }

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

    /// <summary>For a private chat: whether the caller blocked the other user.</summary>
    [JsonPropertyName("blocked")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Blocked { get; init; }

    /// <summary>For a group: the members whose mute holds.</summary>
    [JsonPropertyName("muted")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<MutedMemberResponse>? Muted { get; init; }
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

    // The v2 message fields (contract v2, section 2); a replay shows the message as it is now.
    [JsonPropertyName("edited_at")] public string? EditedAt { get; init; }
    [JsonPropertyName("deleted")] public bool Deleted { get; init; }
    [JsonPropertyName("pinned")] public bool Pinned { get; init; }
    [JsonPropertyName("mentions")] public IReadOnlyList<long> Mentions { get; init; } = [];
    [JsonPropertyName("reply_to")] public long? ReplyTo { get; init; }
    [JsonPropertyName("reply_preview")] public ReplyPreviewResponse? ReplyPreview { get; init; }
    [JsonPropertyName("reactions")] public IReadOnlyList<ReactionResponse> Reactions { get; init; } = [];
    [JsonPropertyName("attachments")] public IReadOnlyList<AttachmentResponse> Attachments { get; init; } = [];

    public static MessageFrame From(MessageCommitted committed, AttachmentLinks links) =>
        From(committed.Message, committed.Sender, committed.ReplyPreview, committed.Reactions, committed.Attachments, links);

    public static MessageFrame From(
        ChatMessage message, ChatUser sender, ReplyPreview? replyPreview, IReadOnlyList<ReactionCount> reactions, IReadOnlyList<ChatAttachment> attachments, AttachmentLinks links) => new()
    {
        Id = message.Id,
        Seq = message.Seq,
        ChatId = message.ChatId,
        Sender = sender.Id,
        SenderUsername = sender.UserName,
        Text = message.Text,
        Time = WireTime.Format(message.SentAt),
        ClientId = message.ClientId,
        EditedAt = WireTime.Format(message.EditedAt),
        Deleted = message.IsDeleted,
        Pinned = message.PinnedAt is not null,
        ReplyTo = message.IsDeleted ? null : message.ReplyToId,
        ReplyPreview = message.IsDeleted ? null : ReplyPreviewResponse.From(replyPreview),
        Reactions = reactions.Count == 0 ? [] : reactions.Select(ReactionResponse.From).ToArray(),
        Attachments = message.IsDeleted ? [] : AttachmentResponse.From(attachments, links),
        Mentions = message.IsDeleted ? [] : message.MentionIds,
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

    /// <summary>The message a refused edit, delete, reaction or pin was about.</summary>
    [JsonPropertyName("id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Id { get; init; }

    /// <summary>The client id of a refused send or edit.</summary>
    [JsonPropertyName("client_id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ClientId { get; init; }
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
    [property: JsonPropertyName("file")] FileInfoPayload? File)
{
    /// <summary>The message an edit, delete, react or pin frame is about.</summary>
    [JsonPropertyName("id")] public long? Id { get; init; }

    /// <summary>On the user stream: the chat the frame is about.</summary>
    [JsonPropertyName("chat_id")] public long? ChatId { get; init; }

    /// <summary>On the user stream: the chats a watch or unwatch frame names.</summary>
    [JsonPropertyName("chat_ids")] public IReadOnlyList<long>? ChatIds { get; init; }

    /// <summary>The message a new message quotes.</summary>
    [JsonPropertyName("reply_to")] public long? ReplyTo { get; init; }

    [JsonPropertyName("emoji")] public string? Emoji { get; init; }

    /// <summary>A react frame: add (true, the default) or remove.</summary>
    [JsonPropertyName("on")] public bool? On { get; init; }

    /// <summary>A pin frame: pin (true, the default) or unpin.</summary>
    [JsonPropertyName("pinned")] public bool? Pinned { get; init; }

    /// <summary>A new message's files: ids of the sender's pending uploads to the chat.</summary>
    [JsonPropertyName("attachments")] public IReadOnlyList<string>? Attachments { get; init; }
}

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
