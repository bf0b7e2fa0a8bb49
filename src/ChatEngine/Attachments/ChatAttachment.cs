namespace ChatEngine;

/// <summary>
/// A stored file: uploaded to a chat by one of its members, pending (seen by its uploader only) until
/// a message of theirs carries it, then part of that message for every member.
/// </summary>
public sealed record ChatAttachment
{
    /// <summary>Its opaque, unguessable id (22 URL-safe characters).</summary>
    public required string Id { get; init; }

    /// <summary>The chat it was uploaded to.</summary>
    public required long ChatId { get; init; }

    /// <summary>Who uploaded it.</summary>
    public required long UploaderId { get; init; }

    /// <summary>The cleaned file name.</summary>
    public required string Name { get; init; }

    /// <summary>The media type, sniffed from the bytes where they name a known format (see <see cref="AttachmentTypes"/>).</summary>
    public required string ContentType { get; init; }

    /// <summary>Its size in bytes, as measured while storing it.</summary>
    public required long Size { get; init; }

    /// <summary>When it was uploaded.</summary>
    public required DateTimeOffset UploadedAt { get; init; }

    /// <summary>An image's width in pixels; <see langword="null"/> for other files and images kept as plain files.</summary>
    public int? Width { get; init; }

    /// <summary>An image's height in pixels; <see langword="null"/> for other files and images kept as plain files.</summary>
    public int? Height { get; init; }

    /// <summary>The media type of its thumbnail; <see langword="null"/> when it has none (it is then never shown inline).</summary>
    public string? ThumbnailType { get; init; }

    /// <summary>The message that carries it; <see langword="null"/> while it is pending.</summary>
    public long? MessageId { get; init; }

    /// <summary>Its place among its message's files (0, 1, ...), in the order the sender named them.</summary>
    public int Position { get; init; }

    /// <summary>Whether it is an image shown inline (it has a thumbnail).</summary>
    public bool IsInline => ThumbnailType is not null;

    /// <summary>The key of its bytes in the <see cref="IAttachmentStore"/>.</summary>
    public string ContentKey => AttachmentKeys.Content(ChatId, Id);

    /// <summary>The key of its thumbnail in the <see cref="IAttachmentStore"/>.</summary>
    public string ThumbnailKey => AttachmentKeys.Thumbnail(ChatId, Id);
}

/// <summary>Where a chat's files live in an <see cref="IAttachmentStore"/>: one folder per chat, a thumbnail beside its original.</summary>
public static class AttachmentKeys
{
    /// <summary>The key of an attachment's bytes: <c>{chatId}/{id}</c>.</summary>
    public static string Content(long chatId, string attachmentId) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{chatId}/{attachmentId}");

    /// <summary>The key of an attachment's thumbnail: <c>{chatId}/{id}.thumb</c>.</summary>
    public static string Thumbnail(long chatId, string attachmentId) => Content(chatId, attachmentId) + ".thumb";
}
