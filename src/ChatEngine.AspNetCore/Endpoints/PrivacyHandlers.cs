using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine.AspNetCore;

/// <summary><c>GET /me/export</c> and <c>DELETE /me</c> (contract v2, section 6).</summary>
internal static class PrivacyHandlers
{
    // Large enough for any confirmation and password; a bigger body is refused unread.
    private const int MaxBodyBytes = 16 * 1024;

    /// <summary>Everything ChatEngine holds about the caller, as one JSON file, written as it is read (a chat's messages a page at a time).</summary>
    public static async Task<IResult> Export(HttpContext context, ChatUserData data, ExportRateLimiter limiter, AttachmentLinks links, CancellationToken cancellationToken)
    {
        var userId = ChatRequestContext.UserId(context);
        if (!limiter.TryAcquire(userId, out var retryAfter))
        {
            return ChatProblems.RateLimited(context, retryAfter);
        }

        var export = await data.GetExportAsync(userId, cancellationToken);
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"chat-export-{userId}.json\"";
        context.Response.Headers.CacheControl = "no-store";
        await UserExportWriter.WriteAsync(context.Response.BodyWriter, export, data, links, cancellationToken);
        return Results.Empty;
    }

    /// <summary>Erases the caller's chat data, then has the host delete their account; 404 when the host deletes no accounts.</summary>
    public static async Task<IResult> DeleteMe(HttpContext context, IUserErasure erasure, IChatUserDirectory users, CancellationToken cancellationToken)
    {
        if (context.RequestServices.GetService<IAccountErasure>() is not { } accounts)
        {
            return Results.NotFound();
        }

        var userId = ChatRequestContext.UserId(context);
        var body = await ReadBodyAsync(context, cancellationToken);
        var confirm = context.Request.Query["confirm"].FirstOrDefault()
            ?? (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("confirm", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null);
        var me = await users.FindByIdAsync(userId, cancellationToken);
        if (me is null || !string.Equals(confirm?.Trim(), me.UserName, StringComparison.Ordinal))
        {
            throw new ChatException(ChatErrorKind.Validation, ChatErrorCodes.ConfirmationRequired, "To delete your account, set confirm to your own username.");
        }

        await accounts.VerifyAsync(context, userId, body, cancellationToken);

        // Chat data first, then the account: a failure half-way leaves an account that can try again.
        await erasure.EraseAsync(userId, CancellationToken.None);
        await accounts.DeleteAccountAsync(userId, CancellationToken.None);
        return Results.Accepted();
    }

    private static async Task<JsonElement> ReadBodyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (context.Request.ContentLength is 0 || (context.Request.ContentLength is null && !context.Request.Headers.TransferEncoding.Any()))
        {
            return default;
        }

        if (context.Request.ContentLength > MaxBodyBytes)
        {
            throw new ChatException(ChatErrorKind.Validation, ChatErrorCodes.InvalidJson, "The request body is too large.");
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: cancellationToken);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new ChatException(ChatErrorKind.Validation, ChatErrorCodes.InvalidJson, "The request body is not valid JSON.");
        }
    }
}
