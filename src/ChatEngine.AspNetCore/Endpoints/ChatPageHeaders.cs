using Microsoft.AspNetCore.Http;

namespace ChatEngine.AspNetCore;

/// <summary>
/// The security headers of ChatEngine's pages: only the app's own scripts, styles and connections
/// (the pages have no inline script), never inside a frame, no MIME sniffing, no referrer to other
/// sites, and HSTS once the request came over HTTPS (directly or through a trusted proxy). Files
/// relayed to a page show as data: images, hence img-src data:. The pages set them in any app; a
/// host may set them on every response of its own too. Headers already set win.
/// </summary>
public static class ChatSecurityHeaders
{
    /// <summary>The Content-Security-Policy the pages need, and no more.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Adds the headers to the response, leaving any already set.</summary>
    public static void Apply(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var headers = context.Response.Headers;
        headers.TryAdd("Content-Security-Policy", ContentSecurityPolicy);
        headers.TryAdd("X-Content-Type-Options", "nosniff");
        headers.TryAdd("Referrer-Policy", "same-origin");
        headers.TryAdd("X-Frame-Options", "DENY");
        if (context.Request.IsHttps)
        {
            headers.TryAdd("Strict-Transport-Security", "max-age=31536000");
        }
    }

    internal static ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        Apply(context.HttpContext);
        return next(context);
    }
}
