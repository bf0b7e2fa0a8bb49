using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine.AspNetCore;

/// <summary>Turns the core's typed errors into RFC 7807 problem details, once for every route.</summary>
internal static class ChatProblems
{
    public static int StatusCodeFor(ChatErrorKind kind) => kind switch
    {
        ChatErrorKind.Validation => StatusCodes.Status400BadRequest,
        ChatErrorKind.NotFound => StatusCodes.Status404NotFound,
        ChatErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ChatErrorKind.Conflict => StatusCodes.Status409Conflict,
        ChatErrorKind.RateLimited => StatusCodes.Status429TooManyRequests,
        ChatErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        _ => StatusCodes.Status503ServiceUnavailable,
    };

    public static ProblemHttpResult From(ChatException error)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = error.Code };
        if (error.Items.Count > 0)
        {
            extensions["usernames"] = error.Items;
        }

        if (error.Code is ChatErrorCodes.Muted or ChatErrorCodes.Banned)
        {
            extensions["until"] = WireTime.Format(error.Until);
        }

        return TypedResults.Problem(detail: error.Message, statusCode: StatusCodeFor(error.Kind), extensions: extensions);
    }

    /// <summary>429 with <c>Retry-After</c> in whole seconds, as the v2 contract has it.</summary>
    public static ProblemHttpResult RateLimited(HttpContext context, TimeSpan retryAfter)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(detail: "Too many changes; try again later.", statusCode: StatusCodes.Status429TooManyRequests,
            extensions: new Dictionary<string, object?> { ["code"] = ChatErrorCodes.RateLimited });
    }

    public static ProblemHttpResult Unauthorized() =>
        TypedResults.Problem(detail: "Authentication credentials were not provided or are not valid.", statusCode: StatusCodes.Status401Unauthorized);

    /// <summary>
    /// A cookie rides along on any cross-site request, so an unsafe request authenticated by cookie must
    /// prove it comes from our page. A Bearer token is never sent by the browser on its own: no check.
    /// What counts is the scheme that authenticated the request, not which headers it carries.
    /// </summary>
    private static async Task<bool> PassesAntiforgeryAsync(HttpContext context)
    {
        var method = context.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
            || !await ChatRequestContext.IsCookieAuthenticatedAsync(context).ConfigureAwait(false))
        {
            return true;
        }

        var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
        return await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false);
    }

    /// <summary>Every chat route runs inside this filter: a typed error becomes its status code, never a 500.</summary>
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (await ChatRequestContext.FindUserIdAsync(context.HttpContext).ConfigureAwait(false) is not { } userId)
        {
            return ChatRequestContext.Refusal(context.HttpContext);
        }

        if (!await PassesAntiforgeryAsync(context.HttpContext).ConfigureAwait(false))
        {
            return TypedResults.Problem(
                detail: "A cookie-authenticated change needs the anti-forgery token (header RequestVerificationToken).",
                statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?> { ["code"] = ChatErrorCodes.AntiforgeryFailed });
        }

        // Sending and changing messages take from the user's send bucket instead, as on the sockets.
        if (!HttpMethods.IsGet(context.HttpContext.Request.Method)
            && context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<OwnRateLimitMetadata>() is null
            && !context.HttpContext.RequestServices.GetRequiredService<RestWriteRateLimiter>().TryAcquire(userId, out var retryAfter))
        {
            return RateLimited(context.HttpContext, retryAfter);
        }

        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (ChatException error)
        {
            return From(error);
        }
    }
}

/// <summary>Marks a route whose writes count against a limit of their own (messages: the send bucket; uploads: theirs), not the REST write limit.</summary>
internal sealed class OwnRateLimitMetadata
{
    public static readonly OwnRateLimitMetadata Instance = new();
}
