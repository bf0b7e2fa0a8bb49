using System.Text.Json;
using ChatEngine;
using ChatEngine.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using ReferenceHost.Data;

namespace ReferenceHost.Accounts;

/// <summary>
/// Deleting an account (contract v2, section 6), the host's part: re-authentication by password
/// (under the sign-in throttle, so it is no way to guess passwords), then the account with its
/// sessions and tokens. <c>DELETE /me</c> reaches it through <see cref="IAccountErasure"/> after
/// ChatEngine erased the chat data; the account page's form is this host's own way in, which calls
/// ChatEngine's <see cref="IUserErasure"/> first in the same order.
/// </summary>
internal sealed class AccountDeletion(
    UserManager<ChatAccount> users, SignInManager<ChatAccount> signIn, LoginThrottle throttle, ReferenceHostDbContext db, AccountSignIns signIns) : IAccountErasure
{
    public async Task VerifyAsync(HttpContext context, long userId, JsonElement body, CancellationToken cancellationToken)
    {
        var password = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("password", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        await RequirePasswordAsync(context, userId, password);
    }

    public async Task DeleteAccountAsync(long userId, CancellationToken cancellationToken)
    {
        await signIns.EndAllAsync(userId, keepSession: null, cancellationToken);
        await db.RefreshTokens.Where(t => t.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        if (await users.FindByIdAsync(userId.ToString(System.Globalization.CultureInfo.InvariantCulture)) is { } account)
        {
            var deleted = await users.DeleteAsync(account);
            if (!deleted.Succeeded)
            {
                throw new InvalidOperationException($"Deleting account {userId} failed: {string.Join("; ", deleted.Errors.Select(e => e.Description))}");
            }
        }
    }

    /// <summary>POST <c>/user/delete/</c>: the account page's form (anti-forgery, password, the username typed to confirm).</summary>
    public static async Task<IResult> DeleteFromPageAsync(
        HttpContext context, IAntiforgery antiforgery, AccountDeletion deletion, IUserErasure erasure, UserManager<ChatAccount> users, CancellationToken cancellationToken)
    {
        if (context.User.Identity?.IsAuthenticated != true || await users.GetUserAsync(context.User) is not { } account)
        {
            return Results.Redirect("/user/login/");
        }

        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Results.Redirect($"{AccountPages.AccountPath}?error={AccountErrors.Expired}");
        }

        var form = await context.Request.ReadFormAsync(cancellationToken);
        if (!string.Equals(form["confirm"].ToString().Trim(), account.UserName, StringComparison.Ordinal))
        {
            return Results.Redirect($"{AccountPages.AccountPath}?error={AccountErrors.ConfirmDeletion}");
        }

        try
        {
            await deletion.RequirePasswordAsync(context, account.Id, form["password"]);
        }
        catch (ChatException error)
        {
            return Results.Redirect($"{AccountPages.AccountPath}?error={(error.Kind == ChatErrorKind.RateLimited ? AccountErrors.Throttled : AccountErrors.WrongPassword)}");
        }

        await erasure.EraseAsync(account.Id, CancellationToken.None);
        await deletion.DeleteAccountAsync(account.Id, CancellationToken.None);
        await context.SignOutAsync(IdentityConstants.ApplicationScheme);
        return Results.Redirect($"/user/login/?error={AccountErrors.Deleted}");
    }

    private async Task RequirePasswordAsync(HttpContext context, long userId, string? password)
    {
        var account = await users.FindByIdAsync(userId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var (checkedAccount, retryAfter, _) = await AccountEndpoints.CheckPasswordAsync(context, account?.UserName, password, signIn, throttle);
        if (retryAfter > TimeSpan.Zero)
        {
            throw new ChatException(ChatErrorKind.RateLimited, ChatErrorCodes.RateLimited, AccountErrors.Message(AccountErrors.Throttled));
        }

        if (checkedAccount is null || checkedAccount.Id != userId)
        {
            throw new ChatException(ChatErrorKind.Validation, ChatErrorCodes.InvalidPassword, "That is not your password.");
        }
    }
}
