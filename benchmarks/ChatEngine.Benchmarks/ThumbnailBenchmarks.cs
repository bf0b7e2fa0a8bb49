using BenchmarkDotNet.Attributes;
using ChatEngine.Imaging;
using SkiaSharp;

namespace ChatEngine.Benchmarks;

/// <summary>
/// The thumbnail of a 12-megapixel photo (4000 × 3000 JPEG, with a photo's detail: gradients and
/// noise), as an upload makes it: read the size, then decode at a reduced scale and resize to 320 px.
/// </summary>
[MemoryDiagnoser]
public class ThumbnailBenchmarks
{
    private readonly SkiaAttachmentImageProcessor _images = new();
    private byte[] _photo = [];

    [GlobalSetup]
    public void Setup()
    {
        using var bitmap = new SKBitmap(4000, 3000);
        var random = new Random(12);
        var pixels = new SKColor[4000 * 3000];
        for (var y = 0; y < 3000; y++)
        {
            for (var x = 0; x < 4000; x++)
            {
                var noise = random.Next(-24, 24);
                pixels[(y * 4000) + x] = new SKColor((byte)Math.Clamp((x / 16) + noise, 0, 255), (byte)Math.Clamp((y / 12) + noise, 0, 255), (byte)Math.Clamp(128 + noise, 0, 255));
            }
        }

        bitmap.Pixels = pixels;
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
        _photo = data.ToArray();
    }

    [Benchmark]
    public async Task<long> Thumbnail12MegapixelJpeg()
    {
        using var source = new MemoryStream(_photo, writable: false);
        var size = await _images.ReadSizeAsync(source, CancellationToken.None);
        source.Position = 0;
        using var thumbnail = new MemoryStream();
        await _images.WriteThumbnailAsync(source, thumbnail, 320, CancellationToken.None);
        return size!.Value.Pixels + thumbnail.Length;
    }
}
