namespace ChatEngine;

/// <summary>
/// Reads images and makes their thumbnails. ChatEngine.Imaging adds one (SkiaSharp); without one,
/// images are kept as plain files (downloaded, never shown inline).
/// </summary>
public interface IAttachmentImageProcessor
{
    /// <summary>
    /// Reads an image's size from its header, without decoding its pixels; <see langword="null"/> when
    /// the bytes are not an image this processor can read.
    /// </summary>
    Task<ImageSize?> ReadSizeAsync(Stream image, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a thumbnail of <paramref name="image"/> (a GIF's first frame) to <paramref name="thumbnail"/>,
    /// at most <paramref name="maxSide"/> pixels on its longest side (never larger than the image). Called
    /// only for images whose size <see cref="ReadSizeAsync"/> read and whose pixels are within the limit.
    /// </summary>
    /// <returns>The thumbnail's media type, or <see langword="null"/> when the image cannot be decoded.</returns>
    Task<string?> WriteThumbnailAsync(Stream image, Stream thumbnail, int maxSide, CancellationToken cancellationToken);
}

/// <summary>An image's size in pixels.</summary>
/// <param name="Width">Its width.</param>
/// <param name="Height">Its height.</param>
public readonly record struct ImageSize(int Width, int Height)
{
    /// <summary>Its pixel count.</summary>
    public long Pixels => (long)Width * Height;
}
