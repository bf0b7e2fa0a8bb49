using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>Who is calling, and whether the browser could have sent the credentials on its own.</summary>
internal static class ChatRequestContext
{
    // Policy schemes that forward to policy schemes: deeper than this is a loop.
    private const int MaxForwards = 8;

    private static readonly object UserIdKey = new();

    /// <summary>
    /// The authenticated chat user's id, or null for anonymous or unmappable principals; looked up
    /// once per request. <paramref name="services"/> is where the user directory comes from (the
    /// request's services unless given: a socket's request scope lives as long as the socket).
    /// </summary>
    public static async ValueTask<long?> FindUserIdAsync(HttpContext context, IServiceProvider? services = null)
    {
        if (context.Items.TryGetValue(UserIdKey, out var known))
        {
            return (long?)known;
        }

        var userId = await ResolveAsync(context.User, services ?? context.RequestServices, context.RequestAborted).ConfigureAwait(false);
        context.Items[UserIdKey] = userId;
        return userId;
    }

    /// <summary>The id <see cref="FindUserIdAsync"/> found for this request, which the chat filter made sure of.</summary>
    public static long UserId(HttpContext context) =>
        context.Items.TryGetValue(UserIdKey, out var known) && known is long userId
            ? userId
            : throw new InvalidOperationException("The chat filter lets only callers with a chat user id through.");

    /// <summary>
    /// The chat user id of a principal: the app's <see cref="ChatTransportOptions.UserIdResolver"/>,
    /// or its <c>NameIdentifier</c> (else <c>sub</c>) claim mapped by the user directory. A signed-in
    /// principal that maps to nothing is logged once (<see cref="UnresolvedChatUsers"/>).
    /// </summary>
    public static async ValueTask<long?> ResolveAsync(ClaimsPrincipal user, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        var options = services.GetRequiredService<IOptions<ChatTransportOptions>>().Value;
        var key = user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.FindFirstValue("sub");
        var userId = options.UserIdResolver is { } resolver ? resolver(user)
            : string.IsNullOrEmpty(key) ? null
            : await services.GetRequiredService<IChatUserDirectory>().FindIdByKeyAsync(key, cancellationToken).ConfigureAwait(false);
        if (userId is null)
        {
            services.GetRequiredService<UnresolvedChatUsers>().Seen(user);
        }

        return userId;
    }

    /// <summary>
    /// The refusal for a caller without a chat user id: 401 for anonymous callers, and for a signed-in
    /// user whose principal maps to no chat user (a misconfiguration of the app, which signing in
    /// again would not fix) 403 <c>chat_user_unresolved</c>.
    /// </summary>
    public static IResult Refusal(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true
            ? TypedResults.Problem(
                detail: "You are signed in, but this app maps your account to no chat user: see its log.",
                statusCode: StatusCodes.Status403Forbidden,
                extensions: new Dictionary<string, object?> { ["code"] = ChatErrorCodes.ChatUserUnresolved })
            : ChatProblems.Unauthorized();

    /// <summary>
    /// Whether the request was authenticated by a cookie, which a browser attaches to requests that
    /// other sites make: such a request needs the anti-forgery token (REST) or an allowed Origin
    /// (sockets, the hub). Decided by the scheme that actually authenticated the request, followed
    /// through policy schemes, never by which headers are present: a request with some Authorization
    /// header that a policy scheme still sent to the cookie is a cookie request. When the scheme
    /// cannot be known, only a Bearer header counts as not being a cookie.
    /// </summary>
    public static async Task<bool> IsCookieAuthenticatedAsync(HttpContext context)
    {
        if (context.User.Identity?.IsAuthenticated != true)
        {
            return false;
        }

        var schemes = context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Ticket?.AuthenticationScheme;
        if (string.IsNullOrEmpty(schemes))
        {
            return !HasBearerHeader(context);
        }

        var provider = context.RequestServices.GetRequiredService<IAuthenticationSchemeProvider>();
        var names = schemes.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var undecided = false;
        foreach (var name in names)
        {
            switch (await ResolvesToCookieAsync(context, provider, name, MaxForwards).ConfigureAwait(false))
            {
                // A policy of several schemes names them all, whichever signed the caller in: a cookie
                // scheme among them counts only if the request's cookie authenticates (handlers keep
                // their result for the request, so asking again costs nothing).
                case true when names.Length == 1 || (await context.AuthenticateAsync(name).ConfigureAwait(false)).Succeeded:
                    return true;
                case null:
                    undecided = true; // A ticket named after no registered scheme (Identity's bearer tokens say "Identity.Bearer:AccessToken").
                    break;
            }
        }

        return undecided && !HasBearerHeader(context);
    }

    /// <summary>
    /// Whether a browser page of another site made this request: it carries an Origin that is neither
    /// this app's own nor one of <see cref="ChatTransportOptions.AllowedOrigins"/>. No Origin means no
    /// browser (browsers send one on every WebSocket upgrade and cross-origin request).
    /// </summary>
    public static bool IsForeignOrigin(HttpContext context, ChatTransportOptions options)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (string.IsNullOrEmpty(origin))
        {
            return false;
        }

        var own = $"{context.Request.Scheme}://{context.Request.Host}";
        return !string.Equals(origin, own, StringComparison.OrdinalIgnoreCase)
            && !options.AllowedOrigins.Any(allowed => string.Equals(origin, allowed.TrimEnd('/'), StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The options of the cookie scheme that signs page visitors in: the default challenge scheme,
    /// followed through policy schemes for this request. Null when the app has none.
    /// </summary>
    public static async Task<CookieAuthenticationOptions?> FindPageCookieAsync(HttpContext context)
    {
        var provider = context.RequestServices.GetRequiredService<IAuthenticationSchemeProvider>();
        var scheme = await provider.GetDefaultChallengeSchemeAsync().ConfigureAwait(false);
        for (var forwards = 0; scheme is not null && forwards < MaxForwards; forwards++)
        {
            if (typeof(CookieAuthenticationHandler).IsAssignableFrom(scheme.HandlerType))
            {
                return context.RequestServices.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(scheme.Name);
            }

            if (!typeof(PolicySchemeHandler).IsAssignableFrom(scheme.HandlerType))
            {
                return null;
            }

            var policy = context.RequestServices.GetRequiredService<IOptionsMonitor<PolicySchemeOptions>>().Get(scheme.Name);
            var target = policy.ForwardDefaultSelector?.Invoke(context) ?? policy.ForwardChallenge ?? policy.ForwardDefault;
            scheme = target is null ? null : await provider.GetSchemeAsync(target).ConfigureAwait(false);
        }

        return null;
    }

    private static async Task<bool?> ResolvesToCookieAsync(HttpContext context, IAuthenticationSchemeProvider provider, string name, int forwardsLeft)
    {
        var scheme = await provider.GetSchemeAsync(name).ConfigureAwait(false);
        if (scheme is null || forwardsLeft == 0)
        {
            return null;
        }

        if (typeof(CookieAuthenticationHandler).IsAssignableFrom(scheme.HandlerType))
        {
            return true;
        }

        if (!typeof(PolicySchemeHandler).IsAssignableFrom(scheme.HandlerType))
        {
            return false;
        }

        var policy = context.RequestServices.GetRequiredService<IOptionsMonitor<PolicySchemeOptions>>().Get(name);
        var target = policy.ForwardDefaultSelector?.Invoke(context) ?? policy.ForwardAuthenticate ?? policy.ForwardDefault;
        return target is null ? null : await ResolvesToCookieAsync(context, provider, target, forwardsLeft - 1).ConfigureAwait(false);
    }

    private static bool HasBearerHeader(HttpContext context) =>
        context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
}
