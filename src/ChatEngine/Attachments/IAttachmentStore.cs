namespace ChatEngine;

/// <summary>
/// Where attachments' bytes live: a flat space of keys (made by <see cref="AttachmentKeys"/>, so only
/// letters, digits, '-', '_', '.' and '/'). The file system store is built in
/// (<see cref="FileSystemAttachmentStore"/>); ChatEngine.Azure adds Azure Blob Storage. Records of
/// what is stored (names, owners, messages) are kept apart, by an <see cref="IAttachmentRecordStore"/>.
/// </summary>
public interface IAttachmentStore
{
    /// <summary>
    /// Stores <paramref name="content"/> under <paramref name="key"/>, reading it as a stream (never
    /// whole in memory), and replaces whatever the key held. Returns the bytes written. When the write
    /// fails or is cancelled (for example because the content passed a size limit while being read),
    /// nothing is left under the key.
    /// </summary>
    Task<long> WriteAsync(string key, Stream content, CancellationToken cancellationToken);

    /// <summary>
    /// Opens the bytes under <paramref name="key"/> for reading, or returns <see langword="null"/> when
    /// there are none. The stream should be seekable with a known length, so downloads can answer range
    /// requests (a stream that is not is served whole).
    /// </summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deletes the bytes under <paramref name="key"/>; nothing happens when there are none.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}
