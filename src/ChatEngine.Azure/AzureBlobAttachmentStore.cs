using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace ChatEngine.Azure;

/// <summary>
/// Keeps attachments as block blobs in one container. An upload is sent in blocks as it is read (at
/// most <see cref="BlockSize"/> in memory) and committed once whole, so a failed upload leaves no blob.
/// Reads are seekable streams that fetch ranges on demand, so downloads answer range requests.
/// </summary>
public sealed class AzureBlobAttachmentStore : IAttachmentStore
{
    /// <summary>The size of each block sent, and of each range read.</summary>
    public const int BlockSize = 4 * 1024 * 1024;

    private readonly BlobContainerClient _container;
    private readonly Lazy<Task> _created;

    /// <summary>Stores blobs in <paramref name="container"/>, which is created on first use when missing.</summary>
    public AzureBlobAttachmentStore(BlobContainerClient container)
    {
        ArgumentNullException.ThrowIfNull(container);
        _container = container;
        _created = new Lazy<Task>(() => _container.CreateIfNotExistsAsync());
    }

    /// <inheritdoc />
    public async Task<long> WriteAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        await _created.Value.ConfigureAwait(false);
        var counted = new CountingStream(content);
        var options = new BlobUploadOptions
        {
            TransferOptions = new global::Azure.Storage.StorageTransferOptions { InitialTransferSize = BlockSize, MaximumTransferSize = BlockSize, MaximumConcurrency = 1 },
        };
        await _container.GetBlobClient(key).UploadAsync(counted, options, cancellationToken).ConfigureAwait(false);
        return counted.BytesRead;
    }

    /// <inheritdoc />
    public async Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        await _created.Value.ConfigureAwait(false);
        try
        {
            return await _container.GetBlobClient(key)
                .OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = BlockSize }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await _created.Value.ConfigureAwait(false);
        await _container.GetBlobClient(key).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Counts what the upload read, which is the blob's size.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            BytesRead += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            BytesRead += read;
            return read;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
