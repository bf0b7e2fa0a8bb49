using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>
/// <c>ws/user/?since={cursor}</c>: one socket for all of a user's chats (contract v2, section 4). With
/// <c>since</c>, what changed since the cursor comes first, at the pace the client reads it; then, in
/// every case, <c>synced</c> with the next cursor, then live events, with nothing lost or repeated at
/// the seam: the stream is registered and following the user's chats before anything is read, and
/// live events wait until the sync is sent, less what it covered.
/// </summary>
internal static class UserWebSocketEndpoint
{
    private const int SyncPage = ChatSync.DefaultPageSize;

    public static async Task HandleAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var cursors = services.GetRequiredService<SyncCursors>();
        SyncPosition? since = null;
        var hasSince = context.Request.Query.TryGetValue("since", out var sinceValue) && !string.IsNullOrEmpty(sinceValue);
        try
        {
            since = hasSince ? cursors.Decode(sinceValue.ToString()) : null;
        }
        catch (ChatException error)
        {
            await ChatProblems.From(error).ExecuteAsync(context);
            return;
        }

        var (userId, refusal) = await WebSocketAdmission.AdmitAsync(context, chatId: null);
        if (refusal is not null)
        {
            await refusal.ExecuteAsync(context);
            return;
        }

        var options = services.GetRequiredService<IOptions<ChatTransportOptions>>().Value;
        var engineOptions = services.GetRequiredService<IOptions<ChatEngineOptions>>().Value;
        var registry = services.GetRequiredService<UserStreams>();
        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        var metrics = services.GetRequiredService<ChatEngineMetrics>();
        var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

        // One stream carries all the user's chats: room for more than one chat socket's queue.
        var stream = new UserSocket(userId, registry, options.SendQueueCapacity * 4, services.GetRequiredService<TimeProvider>(), engineOptions.Sync.CursorInterval);
        await services.GetRequiredService<BlockedUsers>().LoadAsync(userId);
        await ChatWebSocketEndpoint.WithScopeAsync(scopes, sp => sp.GetRequiredService<PresenceService>().ConnectedAsync(userId, CancellationToken.None));
        registry.Add(stream);
        try
        {
            using var webSocket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = options.KeepAliveInterval });
            stream.Attach(webSocket);
            var session = new ChatSocketSession(
                stream, webSocket, scopes, services.GetRequiredService<ChatConnectionCommands>(), options,
                services.GetRequiredService<ILogger<ChatSocketSession>>());
            var writer = stream.RunWriterAsync(scopes, cursors, services.GetRequiredService<AttachmentLinks>(), CancellationToken.None);
            await session.RunAsync("user", writer, metrics, stopping, context.RequestAborted, () => SyncAsync(stream, userId, since, hasSince, scopes, context.RequestAborted));
        }
        finally
        {
            registry.Remove(stream);
            await ChatWebSocketEndpoint.WithScopeAsync(scopes, sp => sp.GetRequiredService<PresenceService>().DisconnectedAsync(userId, CancellationToken.None));
        }
    }

    /// <summary>Follows the user's chats, sends what changed since the cursor (if any), then starts live delivery.</summary>
    private static async Task SyncAsync(UserSocket stream, long userId, SyncPosition? since, bool hasSince, IServiceScopeFactory scopes, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        stream.Follow(await provider.GetRequiredService<IChatStore>().GetChatIdsForUserAsync(userId, cancellationToken));

        var sync = provider.GetRequiredService<ChatSync>();
        var links = provider.GetRequiredService<AttachmentLinks>();
        if (!hasSince)
        {
            stream.Start(await sync.GetCurrentPositionAsync(userId, cancellationToken), (Limited: true, []));
            return;
        }

        var position = since;
        var limited = false;
        var limitedChats = new List<long>();
        while (true)
        {
            var page = await sync.GetAsync(userId, position, SyncPage, cancellationToken);
            foreach (var chatEvent in page.Events)
            {
                var frame = SyncFrames.Serialize(chatEvent, links);
                await stream.QueueSyncFrameAsync(frame, string.Empty, cancellationToken);
            }

            limited |= page.Limited;
            limitedChats.AddRange(page.LimitedChats);
            position = page.Next;
            if (!page.HasMore)
            {
                break;
            }
        }

        stream.Start(position, (limited, limitedChats));
    }
}
