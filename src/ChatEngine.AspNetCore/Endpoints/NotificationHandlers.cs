using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ChatEngine.AspNetCore;

/// <summary><c>GET|PUT /chat/{id}/notifications</c> (contract v2, section 5): the caller's level and mute for a chat.</summary>
internal static class NotificationHandlers
{
    public static async Task<Ok<NotificationSettingsResponse>> Get(HttpContext context, long id, ChatNotifications notifications, CancellationToken cancellationToken) =>
        TypedResults.Ok(NotificationSettingsResponse.From(await notifications.GetAsync(ChatRequestContext.UserId(context), id, cancellationToken)));

    public static async Task<Ok<NotificationSettingsResponse>> Put(
        HttpContext context, long id, [FromBody] NotificationSettingsRequest request, ChatNotifications notifications, CancellationToken cancellationToken)
    {
        var level = NotifyLevels.Parse(request.Level);
        DateTimeOffset? mutedUntil = null;
        if (request.MutedUntil is { } text)
        {
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var until))
            {
                throw new ChatException(ChatErrorKind.Validation, ChatErrorCodes.InvalidTime, "muted_until must be an ISO 8601 time, or null.");
            }

            mutedUntil = until;
        }

        var settings = await notifications.SetAsync(ChatRequestContext.UserId(context), id, level, mutedUntil, cancellationToken);
        return TypedResults.Ok(NotificationSettingsResponse.From(settings));
    }
}

/// <summary>The contract's names of the levels.</summary>
internal static class NotifyLevels
{
    public static string Name(NotifyLevel level) => level switch
    {
        NotifyLevel.Mentions => "mentions",
        NotifyLevel.None => "none",
        _ => "all",
    };

    public static NotifyLevel Parse(string? name) => name switch
    {
        "all" => NotifyLevel.All,
        "mentions" => NotifyLevel.Mentions,
        "none" => NotifyLevel.None,
        _ => throw new ChatException(ChatErrorKind.Validation, ChatErrorCodes.InvalidLevel, "level must be all, mentions or none."),
    };
}
