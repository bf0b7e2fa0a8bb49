namespace ChatEngine;

/// <summary>
/// Reads an upload on its way to the store: counts its bytes, keeps its first ones for sniffing, and
/// stops the copy as soon as it passes its limit, so an oversized body is never read to its end.
/// </summary>
internal sealed class UploadStream(Stream inner, long limit) : Stream
{
    private readonly byte[] _header = new byte[AttachmentTypes.HeaderLength];
    private int _headerLength;

    public long BytesRead { get; private set; }

    /// <summary>Whether the body passed the limit (the copy then failed).</summary>
    public bool PassedLimit { get; private set; }

    public ReadOnlySpan<byte> Header => _header.AsSpan(0, _headerLength);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Count(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Count(buffer.AsSpan(offset, read));
        return read;
    }

    private void Count(ReadOnlySpan<byte> chunk)
    {
        if (_headerLength < _header.Length)
        {
            var take = Math.Min(chunk.Length, _header.Length - _headerLength);
            chunk[..take].CopyTo(_header.AsSpan(_headerLength));
            _headerLength += take;
        }

        BytesRead += chunk.Length;
        if (BytesRead > limit)
        {
            PassedLimit = true;
            throw new UploadTooLargeException();
        }
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

/// <summary>Thrown into the store's copy when an upload passes its limit, so the store drops the partial file.</summary>
internal sealed class UploadTooLargeException() : IOException("The upload is larger than allowed.");
