using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>
/// The raw sockets' Origin rule for the hub: every request of a cookie-authenticated hub connection
/// (negotiate, the WebSocket upgrade, long polling, server-sent events, sends) from a page of another
/// site is refused before SignalR sees it, so a foreign page cannot read or send as the visitor.
/// </summary>
internal static class HubAdmission
{
    public static RequestDelegate Guard(RequestDelegate next) => async context =>
    {
        var options = context.RequestServices.GetRequiredService<IOptions<ChatTransportOptions>>().Value;
        if (await ChatRequestContext.IsCookieAuthenticatedAsync(context) && ChatRequestContext.IsForeignOrigin(context, options))
        {
            await TypedResults.Problem(detail: "Cross-origin hub connection refused.", statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(context);
            return;
        }

        await next(context);
    };
}
