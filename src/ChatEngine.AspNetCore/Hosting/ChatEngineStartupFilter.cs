using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Runs first in the pipeline: enables WebSockets, and moves an <c>access_token</c> query parameter of
/// a WebSocket or SignalR request into the Authorization header (browsers cannot set headers on
/// WebSockets), out of the query string so later logs do not carry it. Any bearer handler then
/// authenticates it as usual.
/// </summary>
internal sealed class ChatEngineStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseWebSockets();
        app.Use(static (context, nextMiddleware) =>
        {
            MoveQueryTokenToHeader(context);
            return nextMiddleware(context);
        });
        next(app);
    };

    private static void MoveQueryTokenToHeader(HttpContext context)
    {
        var request = context.Request;
        if (!request.Query.TryGetValue("access_token", out var token) || string.IsNullOrEmpty(token)
            || request.Headers.ContainsKey(HeaderNames.Authorization))
        {
            return;
        }

        var isRealtime = context.WebSockets.IsWebSocketRequest
            || request.Path.Value?.Contains(ChatEndpointPaths.Hub, StringComparison.OrdinalIgnoreCase) == true;
        if (!isRealtime)
        {
            return;
        }

        request.Headers.Authorization = $"Bearer {token}";
        var rest = request.Query.Where(q => q.Key != "access_token").Select(q => new KeyValuePair<string, string?>(q.Key, q.Value));
        request.QueryString = QueryString.Create(rest);
    }
}
