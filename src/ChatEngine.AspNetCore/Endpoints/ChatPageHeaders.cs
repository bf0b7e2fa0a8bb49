using Microsoft.AspNetCore.Http;

namespace ChatEngine.AspNetCore;

/// <summary>
/// The chat pages' own security headers, so an app that embeds them gets them without configuring
/// anything: only the app's own scripts, styles and connections (the pages have no inline script),
/// never inside a frame, no MIME sniffing, no referrer to other sites. Headers the app already set
/// win. Files relayed to the page show as data: images, hence img-src data:.
/// </summary>
internal static class ChatPageHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var headers = context.HttpContext.Response.Headers;
        headers.TryAdd("Content-Security-Policy", ContentSecurityPolicy);
        headers.TryAdd("X-Content-Type-Options", "nosniff");
        headers.TryAdd("Referrer-Policy", "same-origin");
        headers.TryAdd("X-Frame-Options", "DENY");
        return next(context);
    }
}
