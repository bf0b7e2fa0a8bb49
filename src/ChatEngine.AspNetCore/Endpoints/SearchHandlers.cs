using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace ChatEngine.AspNetCore;

/// <summary><c>GET /search/messages/</c> (contract v2, section 6): the caller's messages that match, with snippets.</summary>
internal static class SearchHandlers
{
    public static async Task<IResult> SearchMessages(
        HttpContext context, string? q, string? chat, string? from, string? order, string? before, string? cursor, string? limit,
        MessageSearch search, SearchRateLimiter limiter, CancellationToken cancellationToken)
    {
        var userId = ChatRequestContext.UserId(context);
        var request = new MessageSearchRequest(q)
        {
            ChatId = Number(chat, "chat"),
            FromUserName = from,
            Order = order switch
            {
                null or "" or "recent" => MessageSearchOrder.Recent,
                "relevance" => MessageSearchOrder.Relevance,
                _ => throw new ChatException(ChatErrorKind.Validation, ChatErrorCodes.InvalidQuery, "order must be recent or relevance."),
            },
            BeforeId = Number(before, "before"),
            Cursor = string.IsNullOrEmpty(cursor) ? null : cursor,
            Limit = Number(limit, "limit") is { } n ? (int)Math.Min(n, int.MaxValue) : null,
        };

        // The query's own checks first: a malformed search costs no token.
        MessageSearch.ParseQuery(q);
        if (!limiter.TryAcquire(userId, out var retryAfter))
        {
            return ChatProblems.RateLimited(context, retryAfter);
        }

        var page = await search.SearchAsync(userId, request, cancellationToken);
        return TypedResults.Ok(new MessageSearchResponse(page.Results.Select(MessageSearchResultResponse.From).ToArray(), page.HasMore, page.Next));
    }

    private static long? Number(string? value, string name) =>
        string.IsNullOrEmpty(value)
            ? null
            : long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
                ? number
                : throw new ChatException(ChatErrorKind.Validation, ChatErrorCodes.InvalidPaging, $"{name} must be a positive whole number.");
}
