using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatEngine;

/// <summary>
/// Stored attachments: uploads (streamed to the <see cref="IAttachmentStore"/>, typed by their bytes,
/// measured against the size limit and the uploader's quota, scanned by the host, images given a
/// thumbnail), downloads for members only, and the end of files that no message carries in time.
/// Needs an <see cref="IAttachmentStore"/> and a message store that implements
/// <see cref="IAttachmentRecordStore"/> (the built-in ones do).
/// </summary>
public sealed partial class AttachmentService
{
    // Decoding images is the one costly step of an upload: at most one per core at a time, so a burst of
    // large images queues instead of taking every thread and all the memory of the host.
    private static readonly SemaphoreSlim ImageWork = new(Math.Max(1, Environment.ProcessorCount));

    private readonly IMessageStore _messages;
    private readonly IAttachmentStore? _files;
    private readonly IReadOnlyList<IAttachmentScanner> _scanners;
    private readonly IAttachmentImageProcessor? _images;
    private readonly ChatAccess _access;
    private readonly TimeProvider _time;
    private readonly ChatAttachmentOptions _options;
    private readonly ILogger _logger;

    internal AttachmentService(
        IMessageStore messages,
        IAttachmentStore? files,
        IEnumerable<IAttachmentScanner> scanners,
        IAttachmentImageProcessor? images,
        ChatAccess access,
        TimeProvider time,
        IOptions<ChatEngineOptions> options,
        ILogger<AttachmentService> logger)
    {
        _messages = messages;
        _files = files;
        _scanners = scanners.ToArray();
        _images = images;
        _access = access;
        _time = time;
        _options = options.Value.Attachments;
        _logger = logger;
    }

    /// <summary>The store's attachment records, when it keeps them.</summary>
    internal IAttachmentRecordStore? Records => _messages as IAttachmentRecordStore;

    /// <summary>Whether this app keeps attachments: an <see cref="IAttachmentStore"/>, and a message store that keeps their records.</summary>
    public bool IsAvailable => Records is not null && _files is not null;

    private IAttachmentRecordStore RequireRecords => Records ?? throw new ChatException(ChatErrorKind.Unavailable, ChatErrorCodes.StoreUnavailable,
        $"This server keeps no attachments: its message store ({_messages.GetType().Name}) does not implement IAttachmentRecordStore.");

    private IAttachmentStore Files => _files ?? throw new ChatException(ChatErrorKind.Unavailable, ChatErrorCodes.StoreUnavailable,
        "This server keeps no attachments: no IAttachmentStore is registered (AddFileSystemAttachments(path), or AddAzureBlobAttachments(...) from ChatEngine.Azure).");

    /// <summary>When a pending upload is deleted unless a message carries it first.</summary>
    public DateTimeOffset ExpiresAt(ChatAttachment attachment)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        return attachment.UploadedAt + _options.PendingLifetime;
    }

    /// <summary>
    /// Stores an upload to a chat of the caller's as a pending attachment, which only they see until a
    /// message of theirs carries it (within <see cref="ChatAttachmentOptions.PendingLifetime"/>).
    /// <paramref name="content"/> is read once, as a stream, and never held whole in memory.
    /// </summary>
    /// <param name="userId">The uploader, a member of the chat.</param>
    /// <param name="chatId">The chat.</param>
    /// <param name="fileName">The name the uploader gave (cleaned by <see cref="AttachmentNames.Clean"/>).</param>
    /// <param name="declaredType">The media type the uploader declared (trusted only where the bytes name no known format).</param>
    /// <param name="content">The bytes.</param>
    /// <param name="cancellationToken">Cancels the upload; nothing is kept.</param>
    public async Task<ChatAttachment> UploadAsync(long userId, long chatId, string? fileName, string? declaredType, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var records = RequireRecords;
        var files = Files;
        await _access.RequireMayPostAsync(userId, chatId, blocksApply: true, cancellationToken).ConfigureAwait(false);

        var usage = await records.GetUsageAsync(userId, cancellationToken).ConfigureAwait(false);
        RequireRoomForOneMore(usage);
        var room = _options.QuotaPerUser - usage.StoredBytes;
        var upload = new UploadStream(content, Math.Min(_options.MaxBytes, room));

        var id = NewId();
        var contentKey = AttachmentKeys.Content(chatId, id);
        var thumbnailKey = AttachmentKeys.Thumbnail(chatId, id);
        var stored = false;
        try
        {
            long size;
            try
            {
                size = await files.WriteAsync(contentKey, upload, cancellationToken).ConfigureAwait(false);
                stored = true;
            }
            catch (Exception) when (upload.PassedLimit)
            {
                throw upload.BytesRead > _options.MaxBytes ? FileTooLarge() : QuotaExceeded();
            }

            var attachment = new ChatAttachment
            {
                Id = id,
                ChatId = chatId,
                UploaderId = userId,
                Name = AttachmentNames.Clean(fileName),
                ContentType = AttachmentTypes.Decide(upload.Header, declaredType),
                Size = size,
                UploadedAt = _time.GetUtcNow(),
            };
            attachment = await AddThumbnailAsync(files, attachment, cancellationToken).ConfigureAwait(false);
            await ScanAsync(files, attachment, cancellationToken).ConfigureAwait(false);

            await records.AddAsync(attachment, cancellationToken).ConfigureAwait(false);
            // Two uploads of one user may both have fitted when they started: the later one gives way.
            var after = await records.GetUsageAsync(userId, CancellationToken.None).ConfigureAwait(false);
            if (after.StoredBytes > _options.QuotaPerUser || after.Pending > _options.MaxPendingPerUser)
            {
                await records.RemovePendingAsync([id], CancellationToken.None).ConfigureAwait(false);
                throw after.Pending > _options.MaxPendingPerUser ? TooManyPending() : QuotaExceeded();
            }

            return attachment;
        }
        catch
        {
            if (stored)
            {
                await DeleteFilesAsync([contentKey, thumbnailKey]).ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// Opens an attachment (or its thumbnail) for a member of its chat; a pending upload only for its
    /// uploader. Anyone else learns nothing: the chat or the attachment is not found.
    /// </summary>
    public async Task<AttachmentContent> OpenAsync(long userId, long chatId, string attachmentId, bool thumbnail = false, CancellationToken cancellationToken = default)
    {
        var records = RequireRecords;
        await _access.RequireMemberAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        var attachment = IsWellFormedId(attachmentId)
            ? (await records.FindAsync([attachmentId], cancellationToken).ConfigureAwait(false)).FirstOrDefault()
            : null;
        if (attachment is null || attachment.ChatId != chatId || (attachment.MessageId is null && attachment.UploaderId != userId)
            || (thumbnail && attachment.ThumbnailType is null))
        {
            throw NotFound();
        }

        var content = await Files.OpenReadAsync(thumbnail ? attachment.ThumbnailKey : attachment.ContentKey, cancellationToken).ConfigureAwait(false)
            ?? throw NotFound();
        return new AttachmentContent(attachment, content, thumbnail);
    }

    /// <summary>
    /// The attachments a new message of <paramref name="userId"/> may carry: at most
    /// <see cref="ChatAttachmentOptions.MaxPerMessage"/>, each a pending upload of theirs to this chat
    /// that has not expired. A retried send (same <paramref name="clientId"/>) may name the attachments
    /// its first try already carries; the store then answers with that first message.
    /// </summary>
    internal async Task<IReadOnlyList<ChatAttachment>> RequireSendableAsync(long userId, long chatId, IReadOnlyList<string> ids, string? clientId, CancellationToken cancellationToken)
    {
        if (ids.Count > _options.MaxPerMessage)
        {
            throw ChatErrors.Validation(ChatErrorCodes.TooManyAttachments, $"A message carries at most {_options.MaxPerMessage} attachments.");
        }

        if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Count || !ids.All(IsWellFormedId))
        {
            throw InvalidAttachment();
        }

        var found = (await RequireRecords.FindAsync(ids, cancellationToken).ConfigureAwait(false)).ToDictionary(a => a.Id, StringComparer.Ordinal);
        var now = _time.GetUtcNow();
        var sendable = new ChatAttachment[ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            if (!found.TryGetValue(ids[i], out var attachment) || attachment.ChatId != chatId || attachment.UploaderId != userId
                || (attachment.MessageId is null && ExpiresAt(attachment) <= now)
                || (attachment.MessageId is { } carrier && !await IsRetryOfAsync(carrier, userId, clientId, cancellationToken).ConfigureAwait(false)))
            {
                throw InvalidAttachment();
            }

            sendable[i] = attachment;
        }

        return sendable;
    }

    private async Task<bool> IsRetryOfAsync(long messageId, long userId, string? clientId, CancellationToken cancellationToken) =>
        clientId is not null && await _messages.FindByIdAsync(messageId, cancellationToken).ConfigureAwait(false) is { } first
        && first.SenderId == userId && first.ClientId == clientId;

    /// <summary>
    /// Deletes pending uploads that expired (at most <paramref name="limit"/>), records first and then
    /// their files. Returns how many were removed; call again while it returns <paramref name="limit"/>.
    /// </summary>
    public async Task<int> RemoveExpiredAsync(int limit = 100, CancellationToken cancellationToken = default)
    {
        var records = RequireRecords;
        var expired = await records.GetPendingBeforeAsync(_time.GetUtcNow() - _options.PendingLifetime, limit, cancellationToken).ConfigureAwait(false);
        if (expired.Count == 0)
        {
            return 0;
        }

        // A message may claim one between the read and the removal: only the records removed here lose their files.
        var removed = await records.RemovePendingAsync(expired.Select(a => a.Id).ToArray(), cancellationToken).ConfigureAwait(false);
        await DeleteFilesAsync(removed).ConfigureAwait(false);
        return expired.Count;
    }

    /// <summary>Deletes the files of attachments whose records are gone (after the change that removed them committed).</summary>
    internal Task DeleteFilesAsync(IReadOnlyList<ChatAttachment> attachments) =>
        attachments.Count == 0 ? Task.CompletedTask : DeleteFilesAsync(attachments.SelectMany(a => new[] { a.ContentKey, a.ThumbnailKey }).ToArray());

    private async Task DeleteFilesAsync(IReadOnlyList<string> keys)
    {
        if (_files is null)
        {
            return;
        }

        foreach (var key in keys)
        {
            try
            {
                await _files.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The record is gone, so nobody can reach the file; it only takes space until removed by hand.
                LogDeleteFailed(_logger, ex, key);
            }
        }
    }

    /// <summary>
    /// Gives an image its size and thumbnail. Bytes that claim an inline image type but do not decode
    /// are refused; an image over the pixel limit, or any image without a processor, stays a plain file.
    /// </summary>
    private async Task<ChatAttachment> AddThumbnailAsync(IAttachmentStore files, ChatAttachment attachment, CancellationToken cancellationToken)
    {
        if (_images is null || !_options.InlineTypes.Contains(attachment.ContentType))
        {
            return attachment;
        }

        await ImageWork.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ImageSize? size;
            var image = await files.OpenReadAsync(attachment.ContentKey, cancellationToken).ConfigureAwait(false) ?? throw InvalidImage();
            await using (image.ConfigureAwait(false))
            {
                size = await _images.ReadSizeAsync(image, cancellationToken).ConfigureAwait(false);
            }

            if (size is not { Width: > 0, Height: > 0 } known)
            {
                throw InvalidImage();
            }

            if (known.Pixels > _options.MaxImagePixels)
            {
                return attachment;
            }

            using var thumbnail = new MemoryStream();
            string? thumbnailType;
            image = await files.OpenReadAsync(attachment.ContentKey, cancellationToken).ConfigureAwait(false) ?? throw InvalidImage();
            await using (image.ConfigureAwait(false))
            {
                thumbnailType = await _images.WriteThumbnailAsync(image, thumbnail, _options.ThumbnailSize, cancellationToken).ConfigureAwait(false);
            }

            if (thumbnailType is null)
            {
                throw InvalidImage();
            }

            thumbnail.Position = 0;
            await files.WriteAsync(attachment.ThumbnailKey, thumbnail, cancellationToken).ConfigureAwait(false);
            return attachment with { Width = known.Width, Height = known.Height, ThumbnailType = thumbnailType };
        }
        finally
        {
            ImageWork.Release();
        }
    }

    private async Task ScanAsync(IAttachmentStore files, ChatAttachment attachment, CancellationToken cancellationToken)
    {
        var upload = new AttachmentUpload(attachment.ChatId, attachment.UploaderId, attachment.Name, attachment.ContentType, attachment.Size);
        foreach (var scanner in _scanners)
        {
            string? refusal;
            var content = await files.OpenReadAsync(attachment.ContentKey, cancellationToken).ConfigureAwait(false) ?? throw NotFound();
            await using (content.ConfigureAwait(false))
            {
                refusal = await scanner.ScanAsync(upload, content, cancellationToken).ConfigureAwait(false);
            }

            if (refusal is not null)
            {
                throw ChatErrors.Validation(ChatErrorCodes.AttachmentRefused, string.IsNullOrWhiteSpace(refusal) ? "This file was refused." : refusal);
            }
        }
    }

    private void RequireRoomForOneMore(AttachmentUsage usage)
    {
        if (usage.Pending >= _options.MaxPendingPerUser)
        {
            throw TooManyPending();
        }

        if (usage.StoredBytes >= _options.QuotaPerUser)
        {
            throw QuotaExceeded();
        }
    }

    private ChatException TooManyPending() => ChatErrors.Forbidden(ChatErrorCodes.QuotaExceeded,
        $"You have {_options.MaxPendingPerUser} uploads not sent yet: send them, or wait until they expire, before uploading more.");

    private ChatException QuotaExceeded() => ChatErrors.Forbidden(ChatErrorCodes.QuotaExceeded,
        $"Your files would take more than your {Describe(_options.QuotaPerUser)}: delete messages with files to make room.");

    private ChatException FileTooLarge() =>
        new(ChatErrorKind.TooLarge, ChatErrorCodes.FileTooLarge, $"Files can be at most {Describe(_options.MaxBytes)}.");

    private static ChatException InvalidImage() =>
        ChatErrors.Validation(ChatErrorCodes.InvalidImage, "The file says it is an image but cannot be read as one.");

    private static ChatException InvalidAttachment() =>
        ChatErrors.Validation(ChatErrorCodes.InvalidAttachment, "Each attachment must be a pending upload of yours to this chat, named once.");

    private static ChatException NotFound() => new(ChatErrorKind.NotFound, ChatErrorCodes.AttachmentNotFound, "Attachment not found.");

    /// <summary>Whether <paramref name="id"/> has the shape of an attachment id (so no store is asked about anything else).</summary>
    public static bool IsWellFormedId(string? id) =>
        id is { Length: IdLength } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private const int IdLength = 22;

    /// <summary>128 random bits, URL-safe: an id nobody can guess, so a URL leaks nothing by its shape.</summary>
    private static string NewId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    private static string Describe(long bytes) => bytes switch
    {
        >= 1024L * 1024 * 1024 when bytes % (1024L * 1024 * 1024) == 0 => $"{bytes / (1024L * 1024 * 1024)} GB",
        >= 1024 * 1024 when bytes % (1024 * 1024) == 0 => $"{bytes / (1024 * 1024)} MB",
        _ => $"{bytes:N0} bytes",
    };

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Deleting the attachment file {Key} failed; it stays in the store, unreachable.")]
    private static partial void LogDeleteFailed(ILogger logger, Exception exception, string key);
}

/// <summary>An attachment opened for download: dispose it to close the stream.</summary>
/// <param name="Attachment">Its record.</param>
/// <param name="Content">Its bytes (or its thumbnail's), seekable when the store allows.</param>
/// <param name="IsThumbnail">Whether these are the thumbnail's bytes.</param>
public sealed record AttachmentContent(ChatAttachment Attachment, Stream Content, bool IsThumbnail) : IAsyncDisposable
{
    /// <summary>The media type to serve the bytes with.</summary>
    public string ContentType => IsThumbnail ? Attachment.ThumbnailType! : Attachment.ContentType;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Content.DisposeAsync();
}
