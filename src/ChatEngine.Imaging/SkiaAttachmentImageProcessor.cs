using SkiaSharp;

namespace ChatEngine.Imaging;

/// <summary>
/// Reads images and makes thumbnails with SkiaSharp. A JPEG is decoded at the smallest scale its codec
/// offers that still covers the thumbnail (an eighth, for a large photo), so a 12-megapixel photo costs
/// a fraction of its full decode; other formats are decoded whole, which the engine bounds by
/// <see cref="ChatAttachmentOptions.MaxImagePixels"/>. Photos are turned as their EXIF orientation says.
/// Opaque thumbnails are JPEG, those with transparency PNG.
/// </summary>
public sealed class SkiaAttachmentImageProcessor : IAttachmentImageProcessor
{
    private const int JpegQuality = 82;

    /// <inheritdoc />
    public Task<ImageSize?> ReadSizeAsync(Stream image, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Task.Run(() =>
        {
            using var codec = Open(image);
            if (codec is null)
            {
                return (ImageSize?)null;
            }

            var size = new ImageSize(codec.Info.Width, codec.Info.Height);
            return IsTurned(codec.EncodedOrigin) ? new ImageSize(size.Height, size.Width) : size;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<string?> WriteThumbnailAsync(Stream image, Stream thumbnail, int maxSide, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(thumbnail);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 1);
        return Task.Run(() => WriteThumbnail(image, thumbnail, maxSide), cancellationToken);
    }

    private static string? WriteThumbnail(Stream image, Stream thumbnail, int maxSide)
    {
        using var codec = Open(image);
        if (codec is null)
        {
            return null;
        }

        var info = codec.Info;
        var scale = Math.Min(1f, (float)maxSide / Math.Max(info.Width, info.Height));
        var decodeSize = codec.GetScaledDimensions(scale);
        if (decodeSize.Width < 1 || decodeSize.Height < 1 || (long)decodeSize.Width * decodeSize.Height > (long)info.Width * info.Height)
        {
            decodeSize = new SKSizeI(info.Width, info.Height);
        }

        var opaque = info.AlphaType == SKAlphaType.Opaque;
        using var decoded = new SKBitmap(new SKImageInfo(decodeSize.Width, decodeSize.Height, SKColorType.Rgba8888, opaque ? SKAlphaType.Opaque : SKAlphaType.Premul));
        // The first frame of an animation; a truncated file shows what it has.
        var result = codec.GetPixels(decoded.Info, decoded.GetPixels(), new SKCodecOptions(0));
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            return null;
        }

        var width = Math.Max(1, (int)Math.Round(info.Width * scale));
        var height = Math.Max(1, (int)Math.Round(info.Height * scale));
        using var resized = decoded.Width == width && decoded.Height == height
            ? decoded.Copy()
            : decoded.Resize(new SKImageInfo(width, height, decoded.ColorType, decoded.AlphaType), new SKSamplingOptions(SKCubicResampler.Mitchell));
        if (resized is null)
        {
            return null;
        }

        using var upright = Orient(resized, codec.EncodedOrigin);
        using var encoded = upright.Encode(opaque ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png, JpegQuality);
        if (encoded is null)
        {
            return null;
        }

        encoded.SaveTo(thumbnail);
        return opaque ? "image/jpeg" : "image/png";
    }

    private static SKCodec? Open(Stream image)
    {
        try
        {
            // The caller's stream stays the caller's: the codec does not close it.
            return SKCodec.Create(new SKManagedStream(image, disposeManagedStream: false));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static bool IsTurned(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>Turns and mirrors a bitmap as an EXIF orientation says, so it shows upright.</summary>
    private static SKBitmap Orient(SKBitmap bitmap, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft)
        {
            return bitmap.Copy();
        }

        var turned = IsTurned(origin);
        var result = new SKBitmap(new SKImageInfo(turned ? bitmap.Height : bitmap.Width, turned ? bitmap.Width : bitmap.Height, bitmap.ColorType, bitmap.AlphaType));
        using var canvas = new SKCanvas(result);
        var (w, h) = (bitmap.Width, bitmap.Height);
        var matrix = origin switch
        {
            SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
            SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
            SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
            _ => SKMatrix.Identity,
        };
        canvas.SetMatrix(matrix);
        using var image = SKImage.FromBitmap(bitmap);
        canvas.DrawImage(image, 0, 0, SKSamplingOptions.Default);
        return result;
    }
}
