namespace ReferenceHost;

/// <summary>
/// Headers every response of the host carries: a Content-Security-Policy that allows only the app's
/// own scripts, styles and connections (no inline script, no framing), no MIME sniffing, no
/// referrer sent to other sites, and HSTS once the request came over HTTPS (directly or through a
/// trusted proxy). A header a page already set (ChatEngine's pages set the same) is left alone.
/// </summary>
internal static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.TryAdd("Content-Security-Policy", ContentSecurityPolicy);
            headers.TryAdd("X-Content-Type-Options", "nosniff");
            headers.TryAdd("Referrer-Policy", "same-origin");
            headers.TryAdd("X-Frame-Options", "DENY");
            if (context.Request.IsHttps)
            {
                headers.TryAdd("Strict-Transport-Security", "max-age=31536000");
            }

            return Task.CompletedTask;
        });
        return next(context);
    });
}
