using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>
/// The app's own sign-in and sign-out pages, for the chat pages' links: what
/// <see cref="ChatTransportOptions"/> says, else what the app's cookie authentication says, so an
/// app gets its own pages without configuring them twice.
/// </summary>
internal static class HostPaths
{
    public static async Task<string> LoginPathAsync(HttpContext context)
    {
        var configured = Options(context).LoginPath;
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        var cookie = await ChatRequestContext.FindPageCookieAsync(context).ConfigureAwait(false);
        return cookie is { LoginPath.HasValue: true } ? context.Request.PathBase + cookie.LoginPath : "/";
    }

    /// <summary>Where "Sign out" posts, or null to hide it (configured empty, or no cookie to sign out of).</summary>
    public static async Task<string?> LogoutPathAsync(HttpContext context)
    {
        var configured = Options(context).LogoutPath;
        if (configured is not null)
        {
            return configured.Length == 0 ? null : configured;
        }

        var cookie = await ChatRequestContext.FindPageCookieAsync(context).ConfigureAwait(false);
        return cookie is { LogoutPath.HasValue: true } ? context.Request.PathBase + cookie.LogoutPath : null;
    }

    private static ChatTransportOptions Options(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptions<ChatTransportOptions>>().Value;
}
