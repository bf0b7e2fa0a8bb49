using System.Text.Json.Serialization;
using ChatEngine;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Authentication;

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
        var accounts = app.MapGroup("").WithTags("Accounts").DisableAntiforgery()
            .AddEndpointFilter(LimitBodyAsync).RequireRateLimiting(AccountRateLimits.Policy);
        accounts.MapPost("/api/token/", ObtainTokenAsync).WithName("ObtainToken").AllowAnonymous();
        accounts.MapPost("/api/token/refresh/", RefreshTokenAsync).WithName("RefreshToken").AllowAnonymous();
        accounts.MapPost("/user/register/", RegisterAsync).WithName("Register").AllowAnonymous();
        accounts.MapPost("/user/login/", LoginAsync).WithName("Login").AllowAnonymous();
        accounts.MapPost("/user/logout/", LogoutAsync).WithName("Logout").AllowAnonymous();
        accounts.MapPost("/user/password/", ChangePasswordAsync).WithName("ChangePassword").AllowAnonymous();
        return app;
    }

    private static async Task<IResult> ObtainTokenAsync(
        HttpContext context, SignInManager<ChatAccount> signIn, TokenService tokens, LoginThrottle throttle, CancellationToken cancellationToken)
    {
        var body = await ReadJsonAsync<CredentialsRequest>(context, cancellationToken);
        var (account, retryAfter, suspended) = await CheckPasswordAsync(context, body?.Username, body?.Password, signIn, throttle);
        if (retryAfter > TimeSpan.Zero)
        {
            return Throttled(context, retryAfter);
        }

        if (account is null)
        {
            var detail = suspended ? AccountErrors.Message(AccountErrors.Suspended) : InvalidCredentials;
            return Results.Json(new DetailResponse(detail), AccountJson.Default.DetailResponse, statusCode: StatusCodes.Status401Unauthorized);
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
            return FormFailed("/user/register/", AccountErrors.Expired);
        }

        var error = await CreateAccountAsync(body, users, signIn);
        if (isForm)
        {
            return error is null ? Results.Redirect("/home/") : FormFailed("/user/register/", error);
        }

        return error is null
            ? Results.Json(new SuccessResponse(true, null), AccountJson.Default.SuccessResponse)
            : Results.Json(new ErrorResponse(AccountErrors.Message(error)), AccountJson.Default.ErrorResponse, statusCode: StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> LoginAsync(
        HttpContext context, SignInManager<ChatAccount> signIn, IAntiforgery antiforgery, LoginThrottle throttle, CancellationToken cancellationToken)
    {
        var (body, isForm, expired) = await ReadBodyAsync(context, antiforgery, form => new CredentialsRequest(form["username"], form["password"]), cancellationToken);
        if (expired)
        {
            return FormFailed("/user/login/", AccountErrors.Expired);
        }

        var (account, retryAfter, suspended) = await CheckPasswordAsync(context, body?.Username, body?.Password, signIn, throttle);
        if (retryAfter > TimeSpan.Zero)
        {
            return isForm ? FormFailed("/user/login/", AccountErrors.Throttled) : Throttled(context, retryAfter);
        }

        if (account is not null)
        {
            await signIn.SignInAsync(account, isPersistent: true);
        }

        var refusal = suspended ? AccountErrors.Suspended : AccountErrors.InvalidUser;
        if (isForm)
        {
            return account is null ? FormFailed("/user/login/", refusal) : Results.Redirect("/home/");
        }

        return account is null
            ? Results.Json(new SuccessResponse(false, AccountErrors.Message(refusal)), AccountJson.Default.SuccessResponse, statusCode: StatusCodes.Status401Unauthorized)
            : Results.Json(new SuccessResponse(true, null), AccountJson.Default.SuccessResponse);
    }

    /// <summary>
    /// Ends this session (its row goes, so a copy of the cookie stops working too) and, given
    /// <c>refresh</c>, that token's family. With <c>everywhere</c>, ends every session and revokes every
    /// refresh token of the signed-in user.
    /// </summary>
    private static async Task<IResult> LogoutAsync(
        HttpContext context, SignInManager<ChatAccount> signIn, TokenService tokens, AccountSignIns signIns, IAntiforgery antiforgery, CancellationToken cancellationToken)
    {
        var isForm = context.Request.HasFormContentType;
        if (IsCookieSession(context) && !await antiforgery.IsRequestValidAsync(context))
        {
            return isForm
                ? Results.Redirect("/home/")
                : AntiforgeryFailed();
        }

        var body = isForm
            ? new LogoutRequest(null, (await context.Request.ReadFormAsync(cancellationToken))["everywhere"] is { Count: > 0 } flag && flag != "false")
            : await ReadJsonAsync<LogoutRequest>(context, cancellationToken);
        if (body?.Everywhere == true)
        {
            if (HostingExtensions.ChatUserId(context.User) is not { } userId)
            {
                return Results.Problem(detail: "Signing out everywhere needs a signed-in user.", statusCode: StatusCodes.Status401Unauthorized);
            }

            await signIns.EndAllAsync(userId, keepSession: null, cancellationToken);
        }
        else
        {
            await tokens.RevokeAsync(body?.Refresh, cancellationToken);
        }

        await signIn.SignOutAsync();
        return isForm ? Results.Redirect("/user/login/") : Results.Json(new SuccessResponse(true, null), AccountJson.Default.SuccessResponse);
    }

    /// <summary>
    /// Changes the signed-in user's password, for the API (JSON) and the account page's form. Every
    /// session and refresh token of theirs ends; a browser that asked gets a new session, an app signs
    /// in again for new tokens.
    /// </summary>
    private static async Task<IResult> ChangePasswordAsync(
        HttpContext context, UserManager<ChatAccount> users, SignInManager<ChatAccount> signIn, AccountSignIns signIns,
        IAntiforgery antiforgery, LoginThrottle throttle, CancellationToken cancellationToken)
    {
        var isForm = context.Request.HasFormContentType;
        if (HostingExtensions.ChatUserId(context.User) is not { } userId || await users.FindByIdAsync(userId.ToString(System.Globalization.CultureInfo.InvariantCulture)) is not { } account)
        {
            return isForm
                ? Results.Redirect("/user/login/")
                : Results.Problem(detail: "Changing a password needs a signed-in user.", statusCode: StatusCodes.Status401Unauthorized);
        }

        IResult Refused(string error) => isForm ? FormFailed(AccountPages.AccountPath, error) : PasswordNotChanged(error);
        var byCookie = IsCookieSession(context);
        if (byCookie && !await antiforgery.IsRequestValidAsync(context))
        {
            return isForm ? Refused(AccountErrors.Expired) : AntiforgeryFailed();
        }

        var form = isForm ? await context.Request.ReadFormAsync(cancellationToken) : null;
        var body = form is not null
            ? new ChangePasswordRequest(form["old_password"], form["new_password"])
            : await ReadJsonAsync<ChangePasswordRequest>(context, cancellationToken);
        if (string.IsNullOrEmpty(body?.OldPassword) || string.IsNullOrEmpty(body.NewPassword))
        {
            return Refused(AccountErrors.PasswordsRequired);
        }

        var (checkedAccount, retryAfter, _) = await CheckPasswordAsync(context, account.UserName, body.OldPassword, signIn, throttle);
        if (retryAfter > TimeSpan.Zero)
        {
            return isForm ? Refused(AccountErrors.Throttled) : Throttled(context, retryAfter);
        }

        if (checkedAccount is null)
        {
            return Refused(AccountErrors.WrongPassword);
        }

        var changed = await users.ChangePasswordAsync(checkedAccount, body.OldPassword, body.NewPassword);
        if (!changed.Succeeded)
        {
            return Refused(AccountErrors.FromIdentity(changed.Errors));
        }

        await signIns.EndAllAsync(userId, keepSession: byCookie ? SessionTicketStore.CurrentKey(context.User) : null, cancellationToken);
        if (byCookie)
        {
            await signIn.SignInAsync(checkedAccount, isPersistent: true);
        }

        return isForm
            ? Results.Redirect($"{AccountPages.AccountPath}?done={AccountPages.PasswordChanged}")
            : Results.Json(new SuccessResponse(true, null), AccountJson.Default.SuccessResponse);
    }

    private static IResult PasswordNotChanged(string error) =>
        Results.Json(new SuccessResponse(false, AccountErrors.Message(error)), AccountJson.Default.SuccessResponse, statusCode: StatusCodes.Status400BadRequest);

    private static async Task<string?> CreateAccountAsync(RegisterRequest? body, UserManager<ChatAccount> users, SignInManager<ChatAccount> signIn)
    {
        var userName = body?.Username?.Trim();
        if (string.IsNullOrEmpty(userName) || string.IsNullOrEmpty(body?.Password))
        {
            return AccountErrors.Required;
        }

        if (!AccountFields.IsPossibleUserName(userName))
        {
            return AccountErrors.InvalidUserName;
        }

        var (firstName, lastName) = (body.FirstName?.Trim(), body.LastName?.Trim());
        if (!AccountFields.IsAcceptableName(firstName) || !AccountFields.IsAcceptableName(lastName))
        {
            return AccountErrors.InvalidName;
        }

        if (await users.FindByNameAsync(userName) is not null)
        {
            return AccountErrors.Taken;
        }

        var account = new ChatAccount { UserName = userName, FirstName = NullIfEmpty(firstName), LastName = NullIfEmpty(lastName) };
        var created = await users.CreateAsync(account, body.Password);
        if (!created.Succeeded)
        {
            return AccountErrors.FromIdentity(created.Errors);
        }

        await signIn.SignInAsync(account, isPersistent: true);
        return null;
    }

    /// <summary>
    /// Checks a password under the throttle. An unknown or impossible user name costs the same hash
    /// as a real one, so the answer's timing does not tell who has an account. Failures slow the
    /// guesser down (see <see cref="LoginThrottle"/>), they lock nobody out: Identity's lockout holds
    /// only an administrator's suspension, which <c>Suspended</c> reports to whoever gave the right password.
    /// </summary>
    internal static async Task<(ChatAccount? Account, TimeSpan RetryAfter, bool Suspended)> CheckPasswordAsync(
        HttpContext context, string? userName, string? password, SignInManager<ChatAccount> signIn, LoginThrottle throttle)
    {
        var name = userName?.Trim() ?? string.Empty;
        if (name.Length == 0 || string.IsNullOrEmpty(password))
        {
            return (null, TimeSpan.Zero, false);
        }

        var users = signIn.UserManager;
        var key = AccountFields.IsPossibleUserName(name) ? users.NormalizeName(name) : "?";
        var address = context.Connection.RemoteIpAddress;
        var wait = throttle.RetryAfter(address, key);
        if (wait > TimeSpan.Zero)
        {
            return (null, wait, false);
        }

        var account = key == "?" ? null : await users.FindByNameAsync(name);
        if (account is null)
        {
            DecoyHash.Verify(users.PasswordHasher, password);
            throttle.Failed(address, key);
            return (null, TimeSpan.Zero, false);
        }

        var result = await signIn.CheckPasswordSignInAsync(account, password, lockoutOnFailure: false);
        if (result.IsLockedOut && await users.CheckPasswordAsync(account, password))
        {
            // Suspended by an administrator (Identity looks at the lockout before the password): said
            // only to whoever gave the right password, so it tells a stranger nothing.
            throttle.Succeeded(address, key);
            return (null, TimeSpan.Zero, true);
        }

        if (!result.Succeeded)
        {
            throttle.Failed(address, key);
            return (null, TimeSpan.Zero, false);
        }

        throttle.Succeeded(address, key);
        return (account, TimeSpan.Zero, false);
    }

    /// <summary>Whether Identity's session cookie (not a bearer token) authenticated the request.</summary>
    private static bool IsCookieSession(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true
        && context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Ticket?.AuthenticationScheme == IdentityConstants.ApplicationScheme;

    /// <summary>Account requests are small: a larger body is refused with 413 before any of it is read.</summary>
    private static async ValueTask<object?> LimitBodyAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        if (context.Request.ContentLength > AccountFields.MaxBodyBytes)
        {
            return TooLarge();
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = AccountFields.MaxBodyBytes;
        }

        try
        {
            return await next(invocation);
        }
        catch (BadHttpRequestException error) when (error.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge();
        }

        static IResult TooLarge() => Results.Problem(detail: $"Account requests are at most {AccountFields.MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
    }

    private static IResult AntiforgeryFailed() =>
        Results.Problem(detail: "The anti-forgery token is missing or invalid.", statusCode: StatusCodes.Status400BadRequest,
            extensions: new Dictionary<string, object?> { ["code"] = ChatErrorCodes.AntiforgeryFailed });

    private static IResult Throttled(HttpContext context, TimeSpan retryAfter)
    {
        context.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Problem(detail: AccountErrors.Message(AccountErrors.Throttled), statusCode: StatusCodes.Status429TooManyRequests,
            extensions: new Dictionary<string, object?> { ["code"] = ChatErrorCodes.RateLimited });
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

    private static IResult FormFailed(string page, string error) => Results.Redirect($"{page}?error={error}");

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

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

internal sealed record LogoutRequest(
    [property: JsonPropertyName("refresh")] string? Refresh,
    [property: JsonPropertyName("everywhere")] bool Everywhere);

internal sealed record ChangePasswordRequest(
    [property: JsonPropertyName("old_password")] string? OldPassword,
    [property: JsonPropertyName("new_password")] string? NewPassword);

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
[JsonSerializable(typeof(LogoutRequest))]
[JsonSerializable(typeof(ChangePasswordRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(DetailResponse))]
[JsonSerializable(typeof(TokenErrorResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(SuccessResponse))]
internal sealed partial class AccountJson : JsonSerializerContext;
