using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using Microsoft.Net.Http.Headers;

namespace ReferenceHost.Accounts;

/// <summary>
/// The original application's account routes, each serving the mobile API (JSON) and the web forms
/// (form posts from the pages, anti-forgery protected) at the same address.
/// </summary>
internal static class AccountEndpoints
{
    private const string InvalidCredentials = "No active account found with the given credentials";

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("").WithTags("Accounts").DisableAntiforgery();
        accounts.MapPost("/api/token/", ObtainTokenAsync).WithName("ObtainToken").AllowAnonymous();
        accounts.MapPost("/api/token/refresh/", RefreshTokenAsync).WithName("RefreshToken").AllowAnonymous();
        accounts.MapPost("/user/register/", RegisterAsync).WithName("Register").AllowAnonymous();
        accounts.MapPost("/user/login/", LoginAsync).WithName("Login").AllowAnonymous();
        accounts.MapPost("/user/logout/", LogoutAsync).WithName("Logout").AllowAnonymous();
        return app;
    }

    private static async Task<IResult> ObtainTokenAsync(
        HttpContext context, UserManager<ChatAccount> users, SignInManager<ChatAccount> signIn, TokenService tokens, CancellationToken cancellationToken)
    {
        var body = await ReadJsonAsync<CredentialsRequest>(context, cancellationToken);
        var account = await CheckPasswordAsync(body?.Username, body?.Password, users, signIn);
        if (account is null)
        {
            return Results.Json(new DetailResponse(InvalidCredentials), AccountJson.Default.DetailResponse, statusCode: StatusCodes.Status401Unauthorized);
        }

        var pair = await tokens.IssueAsync(account, family: null, cancellationToken);
        return Results.Json(new TokenResponse(pair.Access, pair.Refresh), AccountJson.Default.TokenResponse);
    }

    private static async Task<IResult> RefreshTokenAsync(HttpContext context, TokenService tokens, CancellationToken cancellationToken)
    {
        var body = await ReadJsonAsync<RefreshRequest>(context, cancellationToken);
        var pair = await tokens.RefreshAsync(body?.Refresh, cancellationToken);
        return pair is null
            ? Results.Json(new TokenErrorResponse("Token is invalid or expired", "token_not_valid"), AccountJson.Default.TokenErrorResponse, statusCode: StatusCodes.Status401Unauthorized)
            : Results.Json(new TokenResponse(pair.Access, pair.Refresh), AccountJson.Default.TokenResponse);
    }

    private static async Task<IResult> RegisterAsync(
        HttpContext context, UserManager<ChatAccount> users, SignInManager<ChatAccount> signIn, IAntiforgery antiforgery, CancellationToken cancellationToken)
    {
        var (body, isForm, expired) = await ReadBodyAsync(context, antiforgery,
            form => new RegisterRequest(form["username"], form["password"], form["firstName"], form["lastName"]), cancellationToken);
        if (expired)
        {
            return FormExpired("/user/register/");
        }

        var error = await CreateAccountAsync(body, users, signIn);
        if (isForm)
        {
            return error is null ? Results.Redirect("/home/") : Results.Redirect("/user/register/?error=" + Uri.EscapeDataString(error));
        }

        return error is null
            ? Results.Json(new SuccessResponse(true, null), AccountJson.Default.SuccessResponse)
            : Results.Json(new ErrorResponse(error), AccountJson.Default.ErrorResponse, statusCode: StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> LoginAsync(
        HttpContext context, UserManager<ChatAccount> users, SignInManager<ChatAccount> signIn, IAntiforgery antiforgery, CancellationToken cancellationToken)
    {
        var (body, isForm, expired) = await ReadBodyAsync(context, antiforgery, form => new CredentialsRequest(form["username"], form["password"]), cancellationToken);
        if (expired)
        {
            return FormExpired("/user/login/");
        }

        var account = await CheckPasswordAsync(body?.Username, body?.Password, users, signIn);
        if (account is not null)
        {
            await signIn.SignInAsync(account, isPersistent: true);
        }

        if (isForm)
        {
            return account is null ? Results.Redirect("/user/login/?error=" + Uri.EscapeDataString("Invalid user")) : Results.Redirect("/home/");
        }

        return account is null
            ? Results.Json(new SuccessResponse(false, "Invalid user"), AccountJson.Default.SuccessResponse, statusCode: StatusCodes.Status401Unauthorized)
            : Results.Json(new SuccessResponse(true, null), AccountJson.Default.SuccessResponse);
    }

    private static async Task<IResult> LogoutAsync(
        HttpContext context, SignInManager<ChatAccount> signIn, TokenService tokens, IAntiforgery antiforgery, CancellationToken cancellationToken)
    {
        var isForm = context.Request.HasFormContentType;
        var byCookie = !context.Request.Headers.ContainsKey(HeaderNames.Authorization) && context.User.Identity?.IsAuthenticated == true;
        if (byCookie && !await antiforgery.IsRequestValidAsync(context))
        {
            return isForm
                ? Results.Redirect("/home/")
                : Results.Problem(detail: "The anti-forgery token is missing or invalid.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (!isForm)
        {
            var body = await ReadJsonAsync<RefreshRequest>(context, cancellationToken);
            await tokens.RevokeAsync(body?.Refresh, cancellationToken);
        }

        await signIn.SignOutAsync();
        return isForm ? Results.Redirect("/user/login/") : Results.Json(new SuccessResponse(true, null), AccountJson.Default.SuccessResponse);
    }

    private static async Task<string?> CreateAccountAsync(RegisterRequest? body, UserManager<ChatAccount> users, SignInManager<ChatAccount> signIn)
    {
        var userName = body?.Username?.Trim();
        if (string.IsNullOrEmpty(userName) || string.IsNullOrEmpty(body?.Password))
        {
            return "Username and password are required.";
        }

        if (await users.FindByNameAsync(userName) is not null)
        {
            return "Username already taken";
        }

        var account = new ChatAccount { UserName = userName, FirstName = body.FirstName?.Trim(), LastName = body.LastName?.Trim() };
        var created = await users.CreateAsync(account, body.Password);
        if (!created.Succeeded)
        {
            return created.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.DuplicateUserName))
                ? "Username already taken"
                : created.Errors.First().Description;
        }

        await signIn.SignInAsync(account, isPersistent: true);
        return null;
    }

    private static async Task<ChatAccount?> CheckPasswordAsync(string? userName, string? password, UserManager<ChatAccount> users, SignInManager<ChatAccount> signIn)
    {
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password))
        {
            return null;
        }

        var account = await users.FindByNameAsync(userName.Trim());
        if (account is null)
        {
            return null;
        }

        // Counts failures towards lockout, and refuses locked-out accounts.
        var result = await signIn.CheckPasswordSignInAsync(account, password, lockoutOnFailure: true);
        return result.Succeeded ? account : null;
    }

    /// <summary>
    /// The body of a route that serves both the API (JSON) and the pages (a form post, which must carry
    /// the anti-forgery token: <c>Expired</c> is set when it does not).
    /// </summary>
    private static async Task<(T? Body, bool IsForm, bool Expired)> ReadBodyAsync<T>(
        HttpContext context, IAntiforgery antiforgery, Func<IFormCollection, T> fromForm, CancellationToken cancellationToken) where T : class
    {
        if (!context.Request.HasFormContentType)
        {
            return (await ReadJsonAsync<T>(context, cancellationToken), false, false);
        }

        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return (null, true, true);
        }

        return (fromForm(await context.Request.ReadFormAsync(cancellationToken)), true, false);
    }

    private static IResult FormExpired(string page) => Results.Redirect(page + "?error=" + Uri.EscapeDataString("The form expired; please try again."));

    private static async Task<T?> ReadJsonAsync<T>(HttpContext context, CancellationToken cancellationToken) where T : class
    {
        if (!context.Request.HasJsonContentType())
        {
            return null;
        }

        try
        {
            return (T?)await context.Request.ReadFromJsonAsync(typeof(T), AccountJson.Default, cancellationToken);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}

internal sealed record CredentialsRequest([property: JsonPropertyName("username")] string? Username, [property: JsonPropertyName("password")] string? Password);

internal sealed record RegisterRequest(
    [property: JsonPropertyName("username")] string? Username,
    [property: JsonPropertyName("password")] string? Password,
    [property: JsonPropertyName("firstName")] string? FirstName,
    [property: JsonPropertyName("lastName")] string? LastName);

internal sealed record RefreshRequest([property: JsonPropertyName("refresh")] string? Refresh);

internal sealed record TokenResponse([property: JsonPropertyName("access")] string Access, [property: JsonPropertyName("refresh")] string Refresh);

internal sealed record DetailResponse([property: JsonPropertyName("detail")] string Detail);

internal sealed record TokenErrorResponse([property: JsonPropertyName("detail")] string Detail, [property: JsonPropertyName("code")] string Code);

internal sealed record ErrorResponse([property: JsonPropertyName("error")] string Error);

internal sealed record SuccessResponse(
    [property: JsonPropertyName("success")] bool Success,
    [property: JsonPropertyName("error")]
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);

[JsonSerializable(typeof(CredentialsRequest))]
[JsonSerializable(typeof(RegisterRequest))]
[JsonSerializable(typeof(RefreshRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(DetailResponse))]
[JsonSerializable(typeof(TokenErrorResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(SuccessResponse))]
internal sealed partial class AccountJson : JsonSerializerContext;
