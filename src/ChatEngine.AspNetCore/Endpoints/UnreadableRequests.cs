using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Minimal APIs answer a request they cannot bind (a body that is not JSON of the route's shape, a
/// query value that is not a number) with a bare status and no body, before any endpoint filter runs:
/// so before the chat filter's authentication, too. This gives such an answer what every other
/// refusal of a chat route has: 401 for a caller who is not signed in, else problem details with a
/// stable code. It wraps the route's own delegate, so the host's other endpoints are left as they are.
/// (A body that is not JSON at all by its Content-Type never reaches the route: routing answers 415,
/// as it answers 405 for a method the route does not take.)
/// </summary>
internal static class UnreadableRequests
{
    public static RequestDelegate Explain(RequestDelegate endpoint) => async context =>
    {
        try
        {
            await endpoint(context);
        }
        catch (BadHttpRequestException error) when (error.StatusCode == StatusCodes.Status400BadRequest && !context.Response.HasStarted)
        {
            // Where RouteHandlerOptions.ThrowOnBadRequest is on (Development's default) it throws instead: the same answer.
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        if (context.Response.HasStarted || context.Response.StatusCode != StatusCodes.Status400BadRequest)
        {
            return;
        }

        var answer = await ChatRequestContext.FindUserIdAsync(context) is null ? ChatRequestContext.Refusal(context) : Problem(context);
        await answer.ExecuteAsync(context);
    };

    private static IResult Problem(HttpContext context)
    {
        // Route values are constrained ({id:long}), so a route that takes a body failed on its body.
        var (code, detail) = context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>() is not null
            ? (ChatErrorCodes.InvalidJson, "The request body is missing, not JSON, or not of the shape this route takes (see the OpenAPI document).")
            : (ChatErrorCodes.InvalidRequest, "A query value is not of the type this route takes (a whole number, say, or true or false).");
        return TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, extensions: new Dictionary<string, object?> { ["code"] = code });
    }
}
