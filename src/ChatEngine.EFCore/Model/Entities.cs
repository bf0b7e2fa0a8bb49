namespace ChatEngine.EntityFrameworkCore;

// Times are stored as UTC DateTime: SQLite orders and compares them as ISO text and PostgreSQL as
// timestamptz, with no provider-specific converters.

internal sealed class ChatEntity
{
    public long Id { get; set; }
    public ChatKind Kind { get; set; }
    public string? Name { get; set; }
    public string? JoinCode { get; set; }
    public long? PairLowUserId { get; set; }
    public long? PairHighUserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public long LastSequence { get; set; }

    /// <summary>The number of the chat's newest change: messages and the changes of <see cref="ChangeEntity"/>.</summary>
    public long Seq { get; set; }

    public Chat ToChat() => new()
    {
        Id = Id,
        Kind = Kind,
        Name = Name,
        JoinCode = JoinCode,
        Pair = PairLowUserId is { } low && PairHighUserId is { } high ? new PrivatePair(low, high) : null,
        CreatedAt = EntityTime.FromStored(CreatedAt),
        LastSequence = LastSequence,
        Seq = Seq,
    };
}

internal sealed class ChatMemberEntity
{
    public long ChatId { get; set; }
    public long UserId { get; set; }
    public ChatRole Role { get; set; }
    public DateTime JoinedAt { get; set; }
    public long LastReadSequence { get; set; }

    /// <summary>The highest sequence logged as a read mark; sends move LastReadSequence only.</summary>
    public long LastMarkedSequence { get; set; }

    /// <summary>The member's chosen notification level; null until they choose.</summary>
    public NotifyLevel? NotifyLevel { get; set; }

    public DateTime? MutedUntil { get; set; }

    /// <summary>When an admin muted the member; null when not muted. The send path reads it with membership.</summary>
    public DateTime? MuteAt { get; set; }

    /// <summary>When the admin's mute ends; null for good (or no mute, see <see cref="MuteAt"/>).</summary>
    public DateTime? MuteUntil { get; set; }

    public long? MuteBy { get; set; }

    public string? MuteReason { get; set; }

    public ChatMember ToMember() => new()
    {
        ChatId = ChatId,
        UserId = UserId,
        Role = Role,
        JoinedAt = EntityTime.FromStored(JoinedAt),
        LastReadSequence = LastReadSequence,
        NotifyLevel = NotifyLevel,
        MutedUntil = MutedUntil is { } until ? EntityTime.FromStored(until) : null,
        Mute = MuteAt is { } at
            ? new MemberMute(MuteUntil is { } end ? EntityTime.FromStored(end) : null, MuteBy ?? 0, EntityTime.FromStored(at), MuteReason)
            : null,
    };
}

/// <summary>A user's block of another user.</summary>
internal sealed class BlockEntity
{
    public long UserId { get; set; }
    public long BlockedUserId { get; set; }
    public DateTime At { get; set; }
}

/// <summary>An admin's ban of a user from a group; kept after it ends until lifted or replaced.</summary>
internal sealed class BanEntity
{
    public long ChatId { get; set; }
    public long UserId { get; set; }
    public DateTime? Until { get; set; }
    public string? Reason { get; set; }
    public long ByUserId { get; set; }
    public DateTime At { get; set; }

    public ChatBan ToBan() => new(ChatId, UserId, Until is { } until ? EntityTime.FromStored(until) : null, Reason, ByUserId, EntityTime.FromStored(At));
}

/// <summary>An open report of a message, with a snapshot of the message; resolving it deletes the row.</summary>
internal sealed class ReportEntity
{
    public long Id { get; set; }
    public long ChatId { get; set; }
    public long MessageId { get; set; }
    public long ReporterId { get; set; }
    public ReportReason Reason { get; set; }
    public string? Note { get; set; }
    public DateTime At { get; set; }
    public long MessageSenderId { get; set; }
    public string MessageText { get; set; } = "";
    public DateTime MessageSentAt { get; set; }

    public ChatReport ToReport() => new()
    {
        Id = Id, ChatId = ChatId, MessageId = MessageId, ReporterId = ReporterId, Reason = Reason, Note = Note, At = EntityTime.FromStored(At),
        MessageSenderId = MessageSenderId, MessageText = MessageText, MessageSentAt = EntityTime.FromStored(MessageSentAt),
    };
}

/// <summary>An admin removed the user: joining by code is refused until someone adds them again.</summary>
internal sealed class ChatBarEntity
{
    public long ChatId { get; set; }
    public long UserId { get; set; }
}

internal sealed class MessageEntity
{
    public long Id { get; set; }
    public long ChatId { get; set; }
    public long Sequence { get; set; }
    public long Seq { get; set; }
    public long SenderId { get; set; }
    public string Text { get; set; } = string.Empty;
    public DateTime SentAt { get; set; }
    public string? ClientId { get; set; }
    public long? ReplyToId { get; set; }
    public DateTime? EditedAt { get; set; }
    public string? EditClientId { get; set; }
    public bool Deleted { get; set; }
    public DateTime? PinnedAt { get; set; }
    public long? PinnedBy { get; set; }
    public int AttachmentCount { get; set; }

    /// <summary>Who the text mentions, as <c>3,7</c> (<see cref="MentionList"/>); null for nobody.</summary>
    public string? Mentions { get; set; }

    /// <summary>A new message's text as normalized for the search index, by the send path (not a column).</summary>
    [System.ComponentModel.DataAnnotations.Schema.NotMapped]
    public string? SearchText { get; set; }

    public ChatMessage ToMessage() => new()
    {
        Id = Id,
        ChatId = ChatId,
        Sequence = Sequence,
        Seq = Seq,
        SenderId = SenderId,
        Text = Text,
        SentAt = EntityTime.FromStored(SentAt),
        ClientId = ClientId,
        ReplyToId = ReplyToId,
        EditedAt = EditedAt is { } edited ? EntityTime.FromStored(edited) : null,
        EditClientId = EditClientId,
        IsDeleted = Deleted,
        PinnedAt = PinnedAt is { } pinned ? EntityTime.FromStored(pinned) : null,
        PinnedByUserId = PinnedBy,
        AttachmentCount = AttachmentCount,
        MentionIds = MentionList.Parse(Mentions),
    };
}

/// <summary>
/// One member mentioned by one message, with the message's place: a chat's unread mentions of a user
/// are counted from these rows (by the user's read position), never by scanning message texts.
/// </summary>
internal sealed class MentionEntity
{
    public long MessageId { get; set; }
    public long UserId { get; set; }
    public long ChatId { get; set; }
    public long Sequence { get; set; }
}

/// <summary>A message's mentioned ids as stored on its row: compact, in order, null for none.</summary>
internal static class MentionList
{
    public static string? Format(IReadOnlyList<long> ids) =>
        ids.Count == 0 ? null : string.Join(',', ids.Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public static IReadOnlyList<long> Parse(string? stored) =>
        string.IsNullOrEmpty(stored) ? [] : stored.Split(',').Select(id => long.Parse(id, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
}

/// <summary>A stored file's record; its bytes are in the attachment store under keys made from its chat and id.</summary>
internal sealed class AttachmentEntity
{
    public string Id { get; set; } = "";
    public long ChatId { get; set; }
    public long UploaderId { get; set; }
    public string Name { get; set; } = "";
    public string ContentType { get; set; } = "";
    public long Size { get; set; }
    public DateTime UploadedAt { get; set; }
    public int? Width { get; set; }
    public int? Height { get; set; }
    public string? ThumbnailType { get; set; }
    public long? MessageId { get; set; }
    public int Position { get; set; }

    public static AttachmentEntity From(ChatAttachment attachment) => new()
    {
        Id = attachment.Id,
        ChatId = attachment.ChatId,
        UploaderId = attachment.UploaderId,
        Name = attachment.Name,
        ContentType = attachment.ContentType,
        Size = attachment.Size,
        UploadedAt = EntityTime.ToStored(attachment.UploadedAt),
        Width = attachment.Width,
        Height = attachment.Height,
        ThumbnailType = attachment.ThumbnailType,
        MessageId = attachment.MessageId,
        Position = attachment.Position,
    };

    public ChatAttachment ToAttachment() => new()
    {
        Id = Id,
        ChatId = ChatId,
        UploaderId = UploaderId,
        Name = Name,
        ContentType = ContentType,
        Size = Size,
        UploadedAt = EntityTime.FromStored(UploadedAt),
        Width = Width,
        Height = Height,
        ThumbnailType = ThumbnailType,
        MessageId = MessageId,
        Position = Position,
    };
}

/// <summary>One user's reaction to a message; the id orders a message's emoji by first use.</summary>
internal sealed class ReactionEntity
{
    public long Id { get; set; }
    public long ChatId { get; set; }
    public long MessageId { get; set; }
    public long UserId { get; set; }
    public string Emoji { get; set; } = "";
    public DateTime At { get; set; }

    public MessageReaction ToReaction() => new(ChatId, MessageId, UserId, Emoji, EntityTime.FromStored(At));
}

/// <summary>
/// A numbered change of a chat other than a new message (messages carry their own number). What it
/// says is kept as JSON (<see cref="ChangeData"/>), so changes the next versions add need no new columns.
/// </summary>
internal sealed class ChangeEntity
{
    public long ChatId { get; set; }
    public long Seq { get; set; }
    public ChatChangeKind Kind { get; set; }
    public DateTime At { get; set; }
    public string Data { get; set; } = "{}";
}

internal sealed class ReadMarkEntity
{
    public long Id { get; set; }
    public long ChatId { get; set; }
    public long UserId { get; set; }
    public long UpToSequence { get; set; }
    public DateTime ReadAt { get; set; }

    public ReadMark ToReadMark() => new(ChatId, UserId, UpToSequence, EntityTime.FromStored(ReadAt));
}

internal sealed class LastSeenEntity
{
    public long UserId { get; set; }
    public DateTime LastSeenAt { get; set; }
}

/// <summary>ChatEngine's numeric id for a host user key that is not a number (see <see cref="IChatUserKeyStore"/>).</summary>
internal sealed class UserKeyEntity
{
    public long Id { get; set; }
    public string Key { get; set; } = "";
}

/// <summary>A user's public handle of ChatEngine's own (see <see cref="IChatHandleStore"/>).</summary>
internal sealed class HandleEntity
{
    public long UserId { get; set; }
    public string Handle { get; set; } = "";

    /// <summary>The handle in upper case: unique, so no two users hold handles that differ only in case.</summary>
    public string NormalizedHandle { get; set; } = "";
}

/// <summary>A delivery of the outbox (see <see cref="IChatOutboxStore"/>).</summary>
internal sealed class OutboxEntity
{
    public long Id { get; set; }
    public string Kind { get; set; } = "";
    public string DeliveryId { get; set; } = "";
    public string Target { get; set; } = "";
    public string Payload { get; set; } = "";
    public string? Body { get; set; }
    public OutboxState State { get; set; }
    public int Attempts { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime DueAt { get; set; }

    /// <summary>Until when a worker holds it; a host that died with it lets it go then.</summary>
    public DateTime? LeasedUntil { get; set; }

    /// <summary>Which claim holds the lease: a claim reads back exactly the rows it won.</summary>
    public Guid? LeaseToken { get; set; }

    public DateTime? DeliveredAt { get; set; }
    public string? LastError { get; set; }

    public static OutboxEntity From(OutboxMessage message) => new()
    {
        Kind = message.Kind,
        DeliveryId = message.DeliveryId,
        Target = message.Target,
        Payload = message.Payload,
        Body = message.Body,
        State = message.State,
        Attempts = message.Attempts,
        CreatedAt = EntityTime.ToStored(message.CreatedAt),
        DueAt = EntityTime.ToStored(message.DueAt),
        DeliveredAt = message.DeliveredAt is { } delivered ? EntityTime.ToStored(delivered) : null,
        LastError = message.LastError,
    };

    public OutboxMessage ToMessage() => new()
    {
        Id = Id,
        Kind = Kind,
        DeliveryId = DeliveryId,
        Target = Target,
        Payload = Payload,
        Body = Body,
        State = State,
        Attempts = Attempts,
        CreatedAt = EntityTime.FromStored(CreatedAt),
        DueAt = EntityTime.FromStored(DueAt),
        DeliveredAt = DeliveredAt is { } delivered ? EntityTime.FromStored(delivered) : null,
        LastError = LastError,
    };
}

/// <summary>A device push messages go to (see <see cref="IChatPushSubscriptionStore"/>).</summary>
internal sealed class PushSubscriptionEntity
{
    public long Id { get; set; }
    public long UserId { get; set; }
    public string Kind { get; set; } = "";
    public string Endpoint { get; set; } = "";
    public string? P256dh { get; set; }
    public string? Auth { get; set; }
    public string? DeviceId { get; set; }
    public DateTime CreatedAt { get; set; }

    public ChatPushSubscription ToSubscription() => new()
    {
        Id = Id,
        UserId = UserId,
        Kind = Kind,
        Endpoint = Endpoint,
        P256dh = P256dh,
        Auth = Auth,
        DeviceId = DeviceId,
        CreatedAt = EntityTime.FromStored(CreatedAt),
    };
}

internal static class EntityTime
{
    public static DateTime ToStored(DateTimeOffset time) => time.UtcDateTime;

    public static DateTimeOffset FromStored(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}
