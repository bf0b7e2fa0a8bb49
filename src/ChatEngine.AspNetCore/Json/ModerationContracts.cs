using System.Text.Json.Serialization;

namespace ChatEngine.AspNetCore;

// Blocks, mutes, bans and reports (contract v2, section 6).

internal sealed record BlockRequest([property: JsonPropertyName("username")] string? Username);

internal sealed record BlockResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("time")] string Time)
{
    public static BlockResponse From(BlockedUserView block) => new(block.User.Id, block.User.UserName, WireTime.Format(block.At));
}

/// <summary>A mute or a ban: whom, until when (null or missing: for good), and why (for admins only).</summary>
internal sealed record ModerationRequest(
    [property: JsonPropertyName("username")] string? Username,
    [property: JsonPropertyName("until")] string? Until,
    [property: JsonPropertyName("reason")] string? Reason);

internal sealed record BanResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("until")] string? Until,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("by")] long By,
    [property: JsonPropertyName("time")] string Time)
{
    public static BanResponse From(ChatBanView ban) =>
        new(ban.User.Id, ban.User.UserName, WireTime.Format(ban.Ban.Until), ban.Ban.Reason, ban.By.Id, WireTime.Format(ban.Ban.At));
}

internal sealed record ReportRequest(
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("note")] string? Note);

internal sealed record ReportCreatedResponse([property: JsonPropertyName("id")] long Id);

/// <summary>The reported message as it was when reported.</summary>
internal sealed record ReportedMessageResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("sender")] long Sender,
    [property: JsonPropertyName("sender_username")] string SenderUsername,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("time")] string Time);

/// <summary>An open report as <c>GET /group/{id}/reports</c> lists it; as a <c>report</c> event it also carries <c>type</c> and <c>chat_id</c>.</summary>
internal sealed record ReportResponse
{
    [JsonPropertyName("type")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Type { get; init; }

    [JsonPropertyName("chat_id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ChatId { get; init; }

    [JsonPropertyName("id")] public required long Id { get; init; }
    [JsonPropertyName("message")] public required ReportedMessageResponse Message { get; init; }
    [JsonPropertyName("reporter")] public required long Reporter { get; init; }
    [JsonPropertyName("reporter_username")] public required string ReporterUsername { get; init; }
    [JsonPropertyName("reason")] public required string Reason { get; init; }
    [JsonPropertyName("note")] public string? Note { get; init; }
    [JsonPropertyName("time")] public required string Time { get; init; }

    public static ReportResponse From(ChatReportView view)
    {
        var report = view.Report;
        return new ReportResponse
        {
            Id = report.Id,
            Message = new ReportedMessageResponse(report.MessageId, report.MessageSenderId, view.Sender.UserName, report.MessageText, WireTime.Format(report.MessageSentAt)),
            Reporter = report.ReporterId,
            ReporterUsername = view.Reporter.UserName,
            Reason = ReasonName(report.Reason),
            Note = report.Note,
            Time = WireTime.Format(report.At),
        };
    }

    /// <summary>The <c>report</c> event (user streams and webhooks).</summary>
    public static ReportResponse Frame(ChatReportView view) => From(view) with { Type = "report", ChatId = view.Report.ChatId };

    public static string ReasonName(ReportReason reason) => reason switch
    {
        ReportReason.Spam => "spam",
        ReportReason.Abuse => "abuse",
        ReportReason.Inappropriate => "inappropriate",
        _ => "other",
    };
}

/// <summary>The <c>user_erased</c> webhook's data.</summary>
internal sealed record UserErasedFrame([property: JsonPropertyName("user")] long User);

/// <summary>An answer of <c>GET /search/messages/</c>.</summary>
internal sealed record MessageSearchResponse(
    [property: JsonPropertyName("results")] IReadOnlyList<MessageSearchResultResponse> Results,
    [property: JsonPropertyName("has_more")] bool HasMore,
    [property: JsonPropertyName("next")] string? Next);

/// <summary>One search result: where the message is, who sent it, and the snippet with its highlights (offsets, never markup).</summary>
internal sealed record MessageSearchResultResponse(
    [property: JsonPropertyName("chat_id")] long ChatId,
    [property: JsonPropertyName("chat_kind")] string ChatKind,
    [property: JsonPropertyName("chat_name")] string ChatName,
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("sender")] long Sender,
    [property: JsonPropertyName("sender_username")] string SenderUsername,
    [property: JsonPropertyName("time")] string Time,
    [property: JsonPropertyName("snippet")] string Snippet,
    [property: JsonPropertyName("highlights")] IReadOnlyList<int[]> Highlights)
{
    public static MessageSearchResultResponse From(MessageSearchResult result) => new(
        result.Chat.Id, result.Chat.Kind == ChatEngine.ChatKind.Group ? "group" : "private", result.ChatName, result.Hit.MessageId,
        result.Sender.Id, result.Sender.UserName, WireTime.Format(result.Hit.SentAt), result.Snippet,
        result.Highlights.Select(h => new[] { h.Start, h.End }).ToArray());
}
