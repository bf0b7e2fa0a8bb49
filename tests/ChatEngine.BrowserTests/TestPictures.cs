using SkiaSharp;

namespace ChatEngine.BrowserTests;

/// <summary>Pictures the tests attach, drawn here so no binary file sits in the repository.</summary>
internal static class TestPictures
{
    /// <summary>One colour all over.</summary>
    public static byte[] Png(int width, int height, SKColor color) => Draw(width, height, canvas => canvas.Clear(color));

    /// <summary>A sky fading into the sea, with a sun: what a photo in a chat looks like in the screenshots.</summary>
    public static byte[] Landscape(int width, int height) => Draw(width, height, canvas =>
    {
        using var sky = new SKPaint
        {
            Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(0, height * .65f), [new SKColor(0x1E, 0x3A, 0x8A), new SKColor(0xF9, 0x73, 0x16)], SKShaderTileMode.Clamp),
        };
        canvas.DrawRect(0, 0, width, height * .65f, sky);
        using var sun = new SKPaint { Color = new SKColor(0xFD, 0xE0, 0x47), IsAntialias = true };
        canvas.DrawCircle(width * .62f, height * .62f, height * .14f, sun);
        using var sea = new SKPaint { Color = new SKColor(0x0F, 0x4C, 0x5C) };
        canvas.DrawRect(0, height * .65f, width, height * .35f, sea);
    });

    private static byte[] Draw(int width, int height, Action<SKCanvas> paint)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            paint(canvas);
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
