using ChatEngine;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using ReferenceHost.Accounts;
using ReferenceHost.Pages;

namespace ReferenceHost.Moderation;

/// <summary>
/// <c>/admin/</c>: the host's administrators' page. Every chat's open reports, newest first (a private
/// chat's reach nobody else), to dismiss or to answer by deleting the message or suspending its
/// author; the suspended accounts, to lift; and a suspension by name. Anyone else gets 404: the page
/// is not advertised.
/// </summary>
internal static class ModerationPages
{
    public const string Path = "/admin/";
    public const int PageSize = 50;

    // What a form did or why it failed, as ?done= and ?error= say it: only these are shown.
    private static readonly Dictionary<string, string> Messages = new(StringComparer.Ordinal)
    {
        ["dismissed"] = "The report was dismissed.",
        ["deleted"] = "The message was deleted for everyone in its chat, and the report answered.",
        ["already_deleted"] = "The message had been deleted already; the report was answered.",
        ["suspended"] = "The account was suspended: it was signed out everywhere and cannot sign in.",
        ["lifted"] = "The suspension was lifted: the account can sign in again.",
        ["report_gone"] = "That report is no longer open.",
        ["no_such_account"] = "No account has that name.",
        ["administrator"] = "Administrators cannot be suspended here.",
        [AccountErrors.Expired] = AccountErrors.Message(AccountErrors.Expired),
    };

    public static IEndpointRouteBuilder MapModerationPages(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, RenderAsync).ExcludeFromDescription();
        var forms = app.MapGroup(Path).DisableAntiforgery().ExcludeFromDescription();
        forms.MapPost("reports/dismiss", DismissAsync);
        forms.MapPost("reports/delete-message", DeleteMessageAsync);
        forms.MapPost("suspensions", SuspendAsync);
        forms.MapPost("suspensions/lift", LiftAsync);
        return app;
    }

    private static async Task<IResult> RenderAsync(
        HttpContext context, UserManager<ChatAccount> users, ModerationService moderation, AccountSuspension suspension, IAntiforgery antiforgery,
        string? before, string? done, string? error, CancellationToken cancellationToken)
    {
        if (context.User.Identity?.IsAuthenticated != true)
        {
            return Results.Redirect("/user/login/");
        }

        if (await Administrators.FindSignedInAsync(context, users) is not { } administrator)
        {
            return Results.NotFound();
        }

        // A page's address is typed and edited by hand: a bad "before" shows the newest reports rather than an error.
        var reports = await moderation.GetAllReportsAsync(long.TryParse(before, out var beforeId) && beforeId > 0 ? beforeId : null, PageSize, cancellationToken);
        return new RazorComponentResult<ModerationPage>(new
        {
            UserName = administrator.UserName ?? "",
            Reports = reports,
            OlderThan = reports.Count == PageSize ? reports[^1].Report.Report.Id : (long?)null,
            Suspended = await suspension.ListAsync(cancellationToken),
            Notice = MessageFor(done),
            Error = MessageFor(error),
            AntiforgeryToken = antiforgery.GetAndStoreTokens(context).RequestToken ?? "",
        });
    }

    private static Task<IResult> DismissAsync(HttpContext context, UserManager<ChatAccount> users, IAntiforgery antiforgery, ModerationService moderation) =>
        WithAdministratorAsync(context, users, antiforgery, async (_, form) =>
            await ResolveAsync(moderation, form) ? "done=dismissed" : "error=report_gone");

    private static Task<IResult> DeleteMessageAsync(HttpContext context, UserManager<ChatAccount> users, IAntiforgery antiforgery, ModerationService moderation) =>
        WithAdministratorAsync(context, users, antiforgery, async (administrator, form) =>
        {
            if (!TryReadReport(form, out var chatId, out var reportId))
            {
                return "error=report_gone";
            }

            try
            {
                return await moderation.DeleteReportedMessageAsync(administrator.Id, chatId, reportId, CancellationToken.None)
                    ? "done=deleted"
                    : "done=already_deleted";
            }
            catch (ChatException error) when (error.Kind == ChatErrorKind.NotFound)
            {
                return "error=report_gone";
            }
        });

    private static Task<IResult> SuspendAsync(
        HttpContext context, UserManager<ChatAccount> users, IAntiforgery antiforgery, AccountSuspension suspension, ModerationService moderation) =>
        WithAdministratorAsync(context, users, antiforgery, async (administrator, form) =>
        {
            var result = await suspension.SuspendAsync(administrator, form["username"], CancellationToken.None);
            if (result != SuspensionResult.Done)
            {
                return $"error={Code(result)}";
            }

            // Suspended from a report: that report is answered.
            await ResolveAsync(moderation, form);
            return "done=suspended";
        });

    private static Task<IResult> LiftAsync(HttpContext context, UserManager<ChatAccount> users, IAntiforgery antiforgery, AccountSuspension suspension) =>
        WithAdministratorAsync(context, users, antiforgery, async (_, form) =>
            await suspension.LiftAsync(form["username"]) is var result && result == SuspensionResult.Done ? "done=lifted" : $"error={Code(result)}");

    /// <summary>A form of the page: signed in as an administrator, with the page's anti-forgery token; back to the page with what happened.</summary>
    private static async Task<IResult> WithAdministratorAsync(
        HttpContext context, UserManager<ChatAccount> users, IAntiforgery antiforgery, Func<ChatAccount, IFormCollection, Task<string>> act)
    {
        if (context.User.Identity?.IsAuthenticated != true)
        {
            return Results.Redirect("/user/login/");
        }

        if (await Administrators.FindSignedInAsync(context, users) is not { } administrator)
        {
            return Results.NotFound();
        }

        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context))
        {
            return Results.Redirect($"{Path}?error={AccountErrors.Expired}");
        }

        return Results.Redirect($"{Path}?{await act(administrator, await context.Request.ReadFormAsync())}");
    }

    /// <summary>The report a form names: its chat and its id, as the page wrote them.</summary>
    private static bool TryReadReport(IFormCollection form, out long chatId, out long reportId)
    {
        reportId = 0;
        return long.TryParse(form["chat"], out chatId) && long.TryParse(form["report"], out reportId);
    }

    private static async Task<bool> ResolveAsync(ModerationService moderation, IFormCollection form)
    {
        if (!TryReadReport(form, out var chatId, out var reportId))
        {
            return false;
        }

        try
        {
            await moderation.ResolveAnyReportAsync(chatId, reportId);
            return true;
        }
        catch (ChatException error) when (error.Kind == ChatErrorKind.NotFound)
        {
            return false;
        }
    }

    private static string Code(SuspensionResult result) => result == SuspensionResult.Administrator ? "administrator" : "no_such_account";

    private static string? MessageFor(string? code) => code is not null && Messages.TryGetValue(code, out var message) ? message : null;
}
