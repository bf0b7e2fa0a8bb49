using ChatEngine.AspNetCore.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine.AspNetCore;

/// <summary>The server-rendered chat pages (session cookie): an anonymous visitor is sent to the login page.</summary>
internal static class ChatPageHandlers
{
    public static async Task<IResult> Home(HttpContext context, IChatUserDirectory users, IAntiforgery antiforgery, CancellationToken cancellationToken) =>
        await FindMeAsync(context, users, cancellationToken) is { } me
            ? await AppAsync(context, me, null, "Chats", "/home/", antiforgery)
            : await SignInFirstAsync(context);

    /// <summary>A deep link into the app, open on one chat; a chat the user is not in is 404, as in the API.</summary>
    public static async Task<IResult> Chat(HttpContext context, long id, ChatService chats, IChatUserDirectory users, IAntiforgery antiforgery, CancellationToken cancellationToken)
    {
        if (await FindMeAsync(context, users, cancellationToken) is not { } me)
        {
            return await SignInFirstAsync(context);
        }

        ChatDetail detail;
        try
        {
            detail = await chats.GetChatPageAsync(me.Id, id, new ChatPageQuery { Limit = 1, MarkRead = false }, cancellationToken);
        }
        catch (ChatException error) when (error.Kind == ChatErrorKind.NotFound)
        {
            return Results.NotFound();
        }

        return await AppAsync(context, me, id, detail.Title, "/chat-web/{id:long}", antiforgery);
    }

    private static async Task<IResult> AppAsync(HttpContext context, ChatUser me, long? openChatId, string title, string pageRoute, IAntiforgery antiforgery) =>
        new RazorComponentResult<ChatApp>(new
        {
            Me = me,
            OpenChatId = openChatId,
            Title = title,
            ApiBase = ApiBase(context, pageRoute),
            AssetBase = context.Request.PathBase.Value ?? "",
            LogoutPath = await HostPaths.LogoutPathAsync(context),
            Look = PageOptions(context),
            AntiforgeryToken = antiforgery.GetAndStoreTokens(context).RequestToken ?? "",
        });

    /// <summary>The web app manifest, so the chat installs as an app with the app's brand.</summary>
    public static IResult Manifest(HttpContext context)
    {
        var look = PageOptions(context);
        var api = ApiBase(context, "/manifest.webmanifest");
        var icon = $"{context.Request.PathBase}/_content/ChatEngine.AspNetCore/chatengine-icon.svg";
        var manifest = new WebAppManifest(look.Brand, look.Brand, $"{api}/home/", $"{api}/", "standalone", "#f6f7f9", "#2563eb",
            [new WebAppManifestIcon(icon, "any", "image/svg+xml")]);
        return TypedResults.Json(manifest, ChatJsonContext.Default.WebAppManifest, contentType: "application/manifest+json");
    }

    /// <summary>
    /// The pages' service worker: beside them (its scope covers <c>home/</c> and <c>chat-web/</c>), it shows
    /// each push as a notification (one per chat: a newer one replaces it) and opens the chat on a click.
    /// </summary>
    public static IResult ServiceWorker(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Text(ServiceWorkerScript, "text/javascript", System.Text.Encoding.UTF8);
    }

    private const string ServiceWorkerScript = """
        self.addEventListener("install", () => self.skipWaiting());
        self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
        self.addEventListener("push", (event) => {
          let data = {};
          try { data = event.data ? event.data.json() : {}; } catch { data = {}; }
          const from = data.sender_username || "Someone";
          const body = typeof data.text === "string"
            ? (data.chat_name && data.chat_name !== from ? from + ": " : "") + (data.text || "sent a file")
            : "New message from " + from;
          event.waitUntil(self.registration.showNotification(data.chat_name || "New message", {
            body, tag: "chat-" + data.chat_id, renotify: true, data: { chatId: data.chat_id },
          }));
        });
        self.addEventListener("notificationclick", (event) => {
          event.notification.close();
          const url = new URL("chat-web/" + event.notification.data.chatId, self.registration.scope).href;
          event.waitUntil(self.clients.matchAll({ type: "window" }).then((windows) => {
            const open = windows.find((w) => w.url === url);
            return open ? open.focus() : self.clients.openWindow(url);
          }));
        });
        """;

    private static ChatPageOptions PageOptions(HttpContext context) =>
        context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<ChatTransportOptions>>().Value.Pages;

    private static async Task<ChatUser?> FindMeAsync(HttpContext context, IChatUserDirectory users, CancellationToken cancellationToken) =>
        await ChatRequestContext.FindUserIdAsync(context) is { } id ? await users.FindByIdAsync(id, cancellationToken) : null;

    /// <summary>Anonymous visitors go to the login page; a signed-in user who maps to no chat user is told so (403), not sent round in circles.</summary>
    private static async Task<IResult> SignInFirstAsync(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true ? ChatRequestContext.Refusal(context) : TypedResults.Redirect(await HostPaths.LoginPathAsync(context));

    /// <summary>Where the chat routes live: the app's path base plus the group prefix the host mapped them under.</summary>
    private static string ApiBase(HttpContext context, string pageRoute)
    {
        var pattern = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? pageRoute;
        var prefix = pattern.EndsWith(pageRoute, StringComparison.Ordinal) ? pattern[..^pageRoute.Length] : "";
        return (context.Request.PathBase + prefix.TrimEnd('/')).TrimEnd('/');
    }
}
