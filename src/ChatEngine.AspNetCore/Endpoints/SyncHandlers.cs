using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine.AspNetCore;

/// <summary>
/// <c>GET /sync/?since=</c> and <c>POST /sync/</c> (contract v2, section 4): what changed across the
/// caller's chats since a cursor. The POST form is for cursors too long for a URL; both read only.
/// </summary>
internal static class SyncHandlers
{
    public static Task<IResult> Get(HttpContext context, string? since, int? limit, ChatSync sync, SyncCursors cursors, SyncRateLimiter rate, CancellationToken cancellationToken) =>
        SyncAsync(context, since, limit, sync, cursors, rate, cancellationToken);

    public static Task<IResult> Post(HttpContext context, [FromBody] SyncRequest request, ChatSync sync, SyncCursors cursors, SyncRateLimiter rate, CancellationToken cancellationToken) =>
        SyncAsync(context, request.Since, request.Limit, sync, cursors, rate, cancellationToken);

    private static async Task<IResult> SyncAsync(
        HttpContext context, string? since, int? limit, ChatSync sync, SyncCursors cursors, SyncRateLimiter rate, CancellationToken cancellationToken)
    {
        var userId = ChatRequestContext.UserId(context);
        if (!rate.TryAcquire(userId, out var retryAfter))
        {
            return ChatProblems.RateLimited(context, retryAfter);
        }

        var position = string.IsNullOrEmpty(since) ? null : cursors.Decode(since);
        var page = await sync.GetAsync(userId, position, limit, cancellationToken);
        var links = context.RequestServices.GetRequiredService<AttachmentLinks>();
        return TypedResults.Ok(SyncFrames.ToResponse(page, cursors.Encode(page.Next), links));
    }
}
