using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Who may open a chat, file or user socket, decided before the upgrade: an authenticated user (401
/// otherwise), a member of the chat (403 otherwise; a user socket names none), and for cookie-authenticated sockets a page
/// of this app or an allowed origin (403 otherwise: cross-site WebSocket hijacking).
/// </summary>
internal static class WebSocketAdmission
{
    public static async Task<(long UserId, IResult? Refusal)> AdmitAsync(HttpContext context, long? chatId)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return (0, TypedResults.Problem(detail: "This route expects a WebSocket upgrade.", statusCode: StatusCodes.Status400BadRequest));
        }

        // A scope of its own: the request's scope lives as long as the socket, and would hold the
        // store's DbContext (and the host's) for hours on every idle connection.
        await using var scope = context.RequestServices.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        if (await ChatRequestContext.FindUserIdAsync(context, scope.ServiceProvider) is not { } userId)
        {
            return (0, ChatRequestContext.Refusal(context));
        }

        var options = context.RequestServices.GetRequiredService<IOptions<ChatTransportOptions>>().Value;
        if (await ChatRequestContext.IsCookieAuthenticatedAsync(context) && ChatRequestContext.IsForeignOrigin(context, options))
        {
            return (0, TypedResults.Problem(detail: "Cross-origin WebSocket refused.", statusCode: StatusCodes.Status403Forbidden));
        }

        try
        {
            if (chatId is { } id)
            {
                await scope.ServiceProvider.GetRequiredService<ChatService>().GetMembershipAsync(userId, id, context.RequestAborted);
            }
        }
        catch (ChatException)
        {
            return (0, TypedResults.Problem(detail: "You are not a member of this chat.", statusCode: StatusCodes.Status403Forbidden));
        }

        return (userId, null);
    }
}
