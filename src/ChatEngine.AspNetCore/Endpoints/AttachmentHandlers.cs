using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Stored attachments over HTTP (contract v2, section 3): a streamed multipart upload, and downloads
/// that a browser can never run in the app's origin, whatever was uploaded.
/// </summary>
internal static class AttachmentHandlers
{
    // Room for the multipart framing around the file: boundaries and part headers.
    private const long MultipartOverhead = 64 * 1024;

    private const int ReadBufferSize = 64 * 1024;

    /// <summary><c>POST /chat/{id}/attachments</c>: one file part named <c>file</c>, streamed to the store; 201 with the pending attachment.</summary>
    public static async Task<IResult> Upload(
        HttpContext context, long id, AttachmentService attachments, UploadRateLimiter uploads, AttachmentLinks links, IOptions<ChatEngineOptions> options, CancellationToken cancellationToken)
    {
        var me = ChatRequestContext.UserId(context);
        if (!uploads.TryAcquire(me, out var retryAfter))
        {
            return ChatProblems.RateLimited(context, retryAfter);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            // The server's own limit (30 MB by default) must not cut the contract's limit short, or refuse first with its own error.
            bodySize.MaxRequestBodySize = options.Value.Attachments.MaxBytes + MultipartOverhead;
        }

        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
        {
            throw InvalidUpload("Send the file as multipart/form-data, in a part named 'file'.");
        }

        try
        {
            // A large buffer: the reader scans it for the boundary, and its default of 4 KB costs a read per 4 KB.
            var reader = new MultipartReader(boundary, context.Request.Body, ReadBufferSize) { BodyLengthLimit = null };
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.IsFileDisposition() || HeaderUtilities.RemoveQuotes(disposition.Name).Value != "file")
                {
                    continue;
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                var stored = await attachments.UploadAsync(me, id, name, section.ContentType, section.Body, cancellationToken);
                var response = new UploadResponse(AttachmentResponse.From(stored, links), WireTime.Format(attachments.ExpiresAt(stored)));
                return TypedResults.Created(response.Url, response);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new ChatException(ChatErrorKind.TooLarge, ChatErrorCodes.FileTooLarge, "The file is larger than allowed.", ex);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException && !cancellationToken.IsCancellationRequested)
        {
            throw InvalidUpload("The upload is not well-formed multipart/form-data.", ex);
        }

        throw InvalidUpload("The upload has no file part named 'file'.");
    }

    /// <summary><c>GET /chat/{id}/attachments/{aid}</c>: the bytes, 206 for a range.</summary>
    public static Task<IResult> Download(HttpContext context, long id, string aid, AttachmentService attachments, CancellationToken cancellationToken) =>
        ServeAsync(context, id, aid, thumbnail: false, attachments, cancellationToken);

    /// <summary><c>GET /chat/{id}/attachments/{aid}/thumb</c>: an image's thumbnail.</summary>
    public static Task<IResult> Thumbnail(HttpContext context, long id, string aid, AttachmentService attachments, CancellationToken cancellationToken) =>
        ServeAsync(context, id, aid, thumbnail: true, attachments, cancellationToken);

    private static async Task<IResult> ServeAsync(HttpContext context, long id, string aid, bool thumbnail, AttachmentService attachments, CancellationToken cancellationToken)
    {
        var content = await attachments.OpenAsync(ChatRequestContext.UserId(context), id, aid, thumbnail, cancellationToken);
        context.Response.RegisterForDisposeAsync(content);
        var attachment = content.Attachment;
        var headers = context.Response.Headers;
        // Whatever the bytes are, the browser must neither guess a runnable type nor run them here.
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        headers.CacheControl = "private, max-age=31536000, immutable";
        headers.ContentDisposition = thumbnail || attachment.IsInline ? "inline" : AttachmentDisposition(attachment.Name);
        var tag = new EntityTagHeaderValue($"\"{attachment.Id}{(thumbnail ? ".thumb" : "")}\"");
        return TypedResults.Stream(content.Content, content.ContentType, lastModified: attachment.UploadedAt, entityTag: tag, enableRangeProcessing: content.Content.CanSeek);
    }

    /// <summary><c>attachment; filename="…"; filename*=UTF-8''…</c>: an ASCII name for old clients, the real one for the rest.</summary>
    internal static string AttachmentDisposition(string name)
    {
        var ascii = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            ascii.Append(c is >= ' ' and < '\x7f' and not ('"' or '\\') ? c : '_');
        }

        return $"attachment; filename=\"{ascii}\"; filename*=UTF-8''{Uri.EscapeDataString(name)}";
    }

    private static ChatException InvalidUpload(string detail, Exception? cause = null) =>
        new(ChatErrorKind.Validation, ChatErrorCodes.InvalidUpload, detail, cause);
}
