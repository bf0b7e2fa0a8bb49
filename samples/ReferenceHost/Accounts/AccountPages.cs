using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using ReferenceHost.Pages;

namespace ReferenceHost.Accounts;

/// <summary>
/// GET <c>/user/login/</c> and <c>/user/register/</c>: the forms (a signed-in visitor goes to <c>/home/</c>);
/// GET <c>/user/account/</c>: the signed-in user's data download and account deletion.
/// </summary>
internal static class AccountPages
{
    public static IEndpointRouteBuilder MapAccountPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/user/login/", (HttpContext context, IAntiforgery antiforgery, string? error) => Render(context, antiforgery, isRegister: false, error))
            .ExcludeFromDescription();
        app.MapGet("/user/register/", (HttpContext context, IAntiforgery antiforgery, string? error) => Render(context, antiforgery, isRegister: true, error))
            .ExcludeFromDescription();
        app.MapGet("/user/account/", RenderAccountAsync).ExcludeFromDescription();
        app.MapPost("/user/delete/", AccountDeletion.DeleteFromPageAsync).DisableAntiforgery().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> RenderAccountAsync(HttpContext context, IAntiforgery antiforgery, UserManager<ChatAccount> users, string? error)
    {
        if (context.User.Identity?.IsAuthenticated != true || await users.GetUserAsync(context.User) is not { } account)
        {
            return Results.Redirect("/user/login/");
        }

        var tokens = antiforgery.GetAndStoreTokens(context);
        return new RazorComponentResult<AccountSettingsPage>(new { UserName = account.UserName ?? "", Error = AccountErrors.MessageFor(error), AntiforgeryToken = tokens.RequestToken ?? "" });
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
