using ChatEngine;
using ChatEngine.Imaging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers SkiaSharp thumbnails on <see cref="ChatEngineBuilder"/>.</summary>
public static class ChatEngineImagingBuilderExtensions
{
    /// <summary>
    /// Gives image attachments (PNG, JPEG, GIF, WebP) their size and a thumbnail, made with SkiaSharp,
    /// so they are shown inline; without it, images are kept and downloaded as plain files.
    /// </summary>
    public static ChatEngineBuilder AddImageThumbnails(this ChatEngineBuilder builder) =>
        builder.AddAttachmentImageProcessor<SkiaAttachmentImageProcessor>();
}
