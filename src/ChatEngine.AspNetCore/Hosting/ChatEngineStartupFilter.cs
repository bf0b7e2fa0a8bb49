using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Runs first in the pipeline: enables WebSockets, and moves an <c>access_token</c> query parameter of
/// a WebSocket or SignalR request into the Authorization header (browsers cannot set headers on
/// WebSockets), out of the query string. Any bearer handler then authenticates it as usual.
/// </summary>
/// <remarks>
/// ASP.NET Core logs "Request starting" with the query string before any middleware runs, so the
/// token is moved earlier still: on the host's <c>BeginRequest</c> diagnostic event, which comes just
/// before that log line. The middleware does it for hosts that raise no such event.
/// </remarks>
internal sealed class ChatEngineStartupFilter : IStartupFilter
{
    private const string BeginRequestEvent = "Microsoft.AspNetCore.Hosting.BeginRequest";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.ApplicationServices.GetService<DiagnosticListener>()?.Subscribe(new BeginRequestObserver(), static (name, _, _) => name == BeginRequestEvent);
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
        if (!request.QueryString.HasValue || !request.Query.TryGetValue("access_token", out var token) || string.IsNullOrEmpty(token)
            || request.Headers.ContainsKey(HeaderNames.Authorization))
        {
            return;
        }

        // WebSocket upgrades (the feature that says so comes later, so the header is read) and the hub's
        // other transports; an access_token anywhere else stays where it is, unused.
        var isRealtime = request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase)
            || request.Path.Value?.Contains(ChatEndpointPaths.Hub, StringComparison.OrdinalIgnoreCase) == true;
        if (!isRealtime)
        {
            return;
        }

        request.Headers.Authorization = $"Bearer {token}";
        var rest = request.Query.Where(q => q.Key != "access_token").Select(q => new KeyValuePair<string, string?>(q.Key, q.Value));
        request.QueryString = QueryString.Create(rest);
    }

    /// <summary>Receives the host's BeginRequest event, whose payload type is private: its context is read by name.</summary>
    private sealed class BeginRequestObserver : IObserver<KeyValuePair<string, object?>>
    {
        private static readonly ConcurrentDictionary<Type, PropertyInfo?> ContextProperties = new();

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key == BeginRequestEvent && value.Value is { } payload
                && ContextProperties.GetOrAdd(payload.GetType(), static type => type.GetProperty("httpContext"))?.GetValue(payload) is HttpContext context)
            {
                MoveQueryTokenToHeader(context);
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }
}
