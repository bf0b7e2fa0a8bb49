using ChatEngine.AspNetCore;

namespace ReferenceHost;

/// <summary>ChatEngine's pages' security headers (<see cref="ChatSecurityHeaders"/>) on every response of the host, its account pages included.</summary>
internal static class SecurityHeaders
{
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            ChatSecurityHeaders.Apply(context);
            return Task.CompletedTask;
        });
        return next(context);
    });
}
