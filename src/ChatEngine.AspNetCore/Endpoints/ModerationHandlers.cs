using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ChatEngine.AspNetCore;

/// <summary>Blocks, mutes, bans and reports over REST (contract v2, section 6).</summary>
internal static class ModerationHandlers
{
    public static async Task<Ok<List<BlockResponse>>> ListBlocks(HttpContext context, ModerationService moderation, CancellationToken cancellationToken) =>
        TypedResults.Ok((await moderation.GetBlocksAsync(ChatRequestContext.UserId(context), cancellationToken)).Select(BlockResponse.From).ToList());

    public static async Task<NoContent> Block(HttpContext context, [FromBody] BlockRequest request, ModerationService moderation, CancellationToken cancellationToken)
    {
        await moderation.BlockAsync(ChatRequestContext.UserId(context), request.Username, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> Unblock(HttpContext context, string username, ModerationService moderation, CancellationToken cancellationToken)
    {
        await moderation.UnblockAsync(ChatRequestContext.UserId(context), username, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> Mute(HttpContext context, long id, [FromBody] ModerationRequest request, GroupService groups, CancellationToken cancellationToken)
    {
        await groups.MuteAsync(ChatRequestContext.UserId(context), id, request.Username, ParseUntil(request.Until), request.Reason, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> Unmute(HttpContext context, long id, string username, GroupService groups, CancellationToken cancellationToken)
    {
        await groups.UnmuteAsync(ChatRequestContext.UserId(context), id, username, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> Ban(HttpContext context, long id, [FromBody] ModerationRequest request, GroupService groups, CancellationToken cancellationToken)
    {
        await groups.BanAsync(ChatRequestContext.UserId(context), id, request.Username, ParseUntil(request.Until), request.Reason, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> Unban(HttpContext context, long id, string username, GroupService groups, CancellationToken cancellationToken)
    {
        await groups.UnbanAsync(ChatRequestContext.UserId(context), id, username, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<List<BanResponse>>> ListBans(HttpContext context, long id, GroupService groups, CancellationToken cancellationToken) =>
        TypedResults.Ok((await groups.GetBansAsync(ChatRequestContext.UserId(context), id, cancellationToken)).Select(BanResponse.From).ToList());

    public static async Task<Accepted<ReportCreatedResponse>> Report(
        HttpContext context, long id, long mid, [FromBody] ReportRequest request, ModerationService moderation, CancellationToken cancellationToken)
    {
        var reportId = await moderation.ReportAsync(ChatRequestContext.UserId(context), id, mid, request.Reason, request.Note, cancellationToken);
        return TypedResults.Accepted((string?)null, new ReportCreatedResponse(reportId));
    }

    public static async Task<Ok<List<ReportResponse>>> ListReports(
        HttpContext context, long id, string? before, string? limit, ModerationService moderation, CancellationToken cancellationToken)
    {
        var reports = await moderation.GetReportsAsync(ChatRequestContext.UserId(context), id, ParseId(before, "before"), ParseId(limit, "limit") is { } n ? (int)Math.Min(n, int.MaxValue) : null, cancellationToken);
        return TypedResults.Ok(reports.Select(ReportResponse.From).ToList());
    }

    public static async Task<NoContent> ResolveReport(HttpContext context, long id, long rid, ModerationService moderation, CancellationToken cancellationToken)
    {
        await moderation.ResolveReportAsync(ChatRequestContext.UserId(context), id, rid, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>An end time: ISO 8601, or null (or missing) for good.</summary>
    private static DateTimeOffset? ParseUntil(string? until) =>
        until is null
            ? null
            : DateTimeOffset.TryParse(until, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
                ? time
                : throw new ChatException(ChatErrorKind.Validation, ChatErrorCodes.InvalidTime, "until must be an ISO 8601 time, or null for good.");

    private static long? ParseId(string? value, string name) =>
        value is null
            ? null
            : long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
                ? number
                : throw new ChatException(ChatErrorKind.Validation, ChatErrorCodes.InvalidPaging, $"{name} must be a positive whole number.");
}
