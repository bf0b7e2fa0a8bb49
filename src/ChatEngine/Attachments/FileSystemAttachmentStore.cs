namespace ChatEngine;

/// <summary>
/// Keeps attachments as files under one folder (the reference host uses <c>App_Data/attachments</c>):
/// one folder per chat, each file written to a temporary name first, flushed to the disk and moved into
/// place once whole, so a reader never sees half a file, a failed upload leaves nothing behind, and a
/// file whose upload was answered survives a crash as its record in the database does.
/// </summary>
public sealed class FileSystemAttachmentStore : IAttachmentStore
{
    // Large writes: fewer system calls for the same bytes (the upload's own reads decide the rest).
    private const int BufferSize = 1024 * 1024;

    private readonly string _root;

    /// <summary>Stores files under <paramref name="root"/>, which is created with the first file.</summary>
    public FileSystemAttachmentStore(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        _root = Path.GetFullPath(root);
    }

    /// <summary>The folder files are kept under.</summary>
    public string Root => _root;

    /// <inheritdoc />
    public async Task<long> WriteAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            long written;
            var file = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0, Options = FileOptions.Asynchronous,
            });
            await using (file.ConfigureAwait(false))
            {
                await content.CopyToAsync(file, BufferSize, cancellationToken).ConfigureAwait(false);
                written = file.Length;
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            return written;
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <inheritdoc />
    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            Stream stream = new FileStream(PathOf(key), new FileStreamOptions
            {
                Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read | FileShare.Delete, BufferSize = 0, Options = FileOptions.Asynchronous,
            });
            return Task.FromResult<Stream?>(stream);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    /// <inheritdoc />
    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        var folder = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(folder))
        {
            return Task.CompletedTask;
        }

        File.Delete(path);
        if (folder != _root && !Directory.EnumerateFileSystemEntries(folder).Any())
        {
            try
            {
                Directory.Delete(folder);
            }
            catch (IOException)
            {
                // Another upload to the chat just wrote there: the folder stays.
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>The file of a key, refusing any key that could leave the root.</summary>
    private string PathOf(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (!key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/') || key.Contains("..", StringComparison.Ordinal) || key.StartsWith('/'))
        {
            throw new ArgumentException($"'{key}' is not an attachment key.", nameof(key));
        }

        return Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar));
    }
}
