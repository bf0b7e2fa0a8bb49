using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using ReferenceHost.Moderation;
using ReferenceHost.Pages;

namespace ReferenceHost.Accounts;

/// <summary>
/// GET <c>/user/login/</c> and <c>/user/register/</c>: the forms (a signed-in visitor goes to <c>/home/</c>);
/// GET <c>/user/account/</c>: the signed-in user's password change, signing out everywhere, data download and account deletion.
/// </summary>
internal static class AccountPages
{
    public const string AccountPath = "/user/account/";

    /// <summary>What a form on the account page did, as <c>?done=</c> says it (only known ones are shown).</summary>
    public const string PasswordChanged = "password_changed";

    public static IEndpointRouteBuilder MapAccountPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/user/login/", (HttpContext context, IAntiforgery antiforgery, string? error) => Render(context, antiforgery, isRegister: false, error))
            .ExcludeFromDescription();
        app.MapGet("/user/register/", (HttpContext context, IAntiforgery antiforgery, string? error) => Render(context, antiforgery, isRegister: true, error))
            .ExcludeFromDescription();
        app.MapGet(AccountPath, RenderAccountAsync).ExcludeFromDescription();
        app.MapPost("/user/delete/", AccountDeletion.DeleteFromPageAsync).DisableAntiforgery().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> RenderAccountAsync(HttpContext context, IAntiforgery antiforgery, UserManager<ChatAccount> users, string? error, string? done)
    {
        if (context.User.Identity?.IsAuthenticated != true || await users.GetUserAsync(context.User) is not { } account)
        {
            return Results.Redirect("/user/login/");
        }

        var tokens = antiforgery.GetAndStoreTokens(context);
        var notice = done == PasswordChanged ? "Your password was changed. Every other browser and app signed in as you was signed out." : null;
        return new RazorComponentResult<AccountSettingsPage>(new
        {
            UserName = account.UserName ?? "", Error = AccountErrors.MessageFor(error), Notice = notice, AntiforgeryToken = tokens.RequestToken ?? "",
            IsAdministrator = await users.IsInRoleAsync(account, Administrators.Role),
        });
    }

    private static IResult Render(HttpContext context, IAntiforgery antiforgery, bool isRegister, string? error)
    {
        if (context.User.Identity?.IsAuthenticated == true)
        {
            return Results.Redirect("/home/");
        }

        var tokens = antiforgery.GetAndStoreTokens(context);
        // Only known messages are shown: text from the address bar would let anyone put words in our mouth.
        return new RazorComponentResult<AccountPage>(new { IsRegister = isRegister, Error = AccountErrors.MessageFor(error), AntiforgeryToken = tokens.RequestToken ?? "" });
    }
}
