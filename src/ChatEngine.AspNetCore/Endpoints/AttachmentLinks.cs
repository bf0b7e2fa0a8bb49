using Microsoft.AspNetCore.Routing;

namespace ChatEngine.AspNetCore;

/// <summary>
/// The URLs of attachments, as the contract has them: absolute paths that include the prefix of the
/// group the host mapped the chat routes into. Frames are made once for all their readers, outside any
/// request, so the prefix is read from the mapped download route itself, once.
/// </summary>
internal sealed class AttachmentLinks(EndpointDataSource endpoints)
{
    public const string DownloadRouteName = "DownloadAttachment";

    private const string DownloadRouteSuffix = "/chat/{id:long}/attachments/{aid}";

    private string? _prefix;

    /// <summary>The prefix of the chat routes ("" when mapped at the root).</summary>
    public string Prefix => _prefix ??= FindPrefix();

    public string Content(ChatAttachment attachment) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Prefix}/chat/{attachment.ChatId}/attachments/{attachment.Id}");

    public string? Thumbnail(ChatAttachment attachment) => attachment.IsInline ? Content(attachment) + "/thumb" : null;

    private string FindPrefix()
    {
        var route = endpoints.Endpoints.OfType<RouteEndpoint>()
            .FirstOrDefault(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == DownloadRouteName);
        var pattern = route?.RoutePattern.RawText ?? DownloadRouteSuffix;
        var prefix = pattern.EndsWith(DownloadRouteSuffix, StringComparison.Ordinal) ? pattern[..^DownloadRouteSuffix.Length] : "";
        return prefix.Length == 0 ? "" : "/" + prefix.Trim('/');
    }
}
