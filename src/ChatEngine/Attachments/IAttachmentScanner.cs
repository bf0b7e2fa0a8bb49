namespace ChatEngine;

/// <summary>
/// A host's check of every upload before it is kept: an antivirus, a content policy. Register one or more
/// with <c>AddAttachmentScanner&lt;T&gt;()</c>; each is called in turn with the stored bytes, and the first
/// refusal deletes the file and answers the uploader with <see cref="ChatErrorCodes.AttachmentRefused"/>
/// and the scanner's reason.
/// </summary>
public interface IAttachmentScanner
{
    /// <summary>
    /// Looks at an upload. <paramref name="content"/> reads its bytes from the start (it is the stored
    /// copy, so a scanner may read it more than once by opening it again through <paramref name="upload"/>).
    /// </summary>
    /// <returns><see langword="null"/> to accept the file, or the reason to refuse it, which the uploader is shown.</returns>
    Task<string?> ScanAsync(AttachmentUpload upload, Stream content, CancellationToken cancellationToken);
}

/// <summary>An upload being checked by an <see cref="IAttachmentScanner"/>.</summary>
/// <param name="ChatId">The chat it is uploaded to.</param>
/// <param name="UploaderId">Who uploads it.</param>
/// <param name="Name">Its cleaned file name.</param>
/// <param name="ContentType">Its media type, sniffed.</param>
/// <param name="Size">Its size in bytes.</param>
public sealed record AttachmentUpload(long ChatId, long UploaderId, string Name, string ContentType, long Size);
