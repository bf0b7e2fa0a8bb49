using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ReferenceHost.Accounts;
using Xunit;
using static ChatEngine.ReferenceHost.Tests.TestAccounts;

namespace ChatEngine.ReferenceHost.Tests;

/// <summary>
/// The account doors under attack: sessions that end when they should, guessing that costs the
/// guesser, limits, password rules, and the headers and pages a browser gets. Tests that need their
/// own settings or clock start their own host.
/// </summary>
public sealed partial class AccountSecurityTests(ReferenceHostFactory sharedHost) : IClassFixture<ReferenceHostFactory>
{
    [Fact]
    public async Task Logout_EndsTheSession_SoACopiedCookieStopsWorkingAtOnce()
    {
        var cookies = new CookieContainer();
        using var browser = sharedHost.NewClient(cookies);
        await RegisterAsync(browser, Unique("out"));
        var copied = cookies.GetCookieHeader(sharedHost.BaseAddress);
        Assert.Equal(HttpStatusCode.OK, await GetWithCookieAsync(sharedHost, copied, "/chat/"));

        using var logout = await PostWithAntiforgeryAsync(browser, "/user/logout/", new { });

        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await GetWithCookieAsync(sharedHost, copied, "/chat/"));
    }

    [Fact]
    public async Task SessionsThatRanOut_GoWhenTheirOwnerSignsInAgain()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = new ReferenceHostFactory { TestServices = services => services.AddSingleton<TimeProvider>(time) };
        var name = Unique("old");
        await RegisterAsync(host.NewClient(), name);
        await LoginAsync(host.NewClient(), name);
        Assert.Equal(2, await SessionCountAsync(host, name));

        time.Advance(TimeSpan.FromDays(15)); // past the cookie's 14 days
        await LoginAsync(host.NewClient(), name);

        Assert.Equal(1, await SessionCountAsync(host, name));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SignOutEverywhere_EndsEverySession_AndRevokesEveryRefreshToken(bool byTheAccountPagesForm)
    {
        var name = Unique("all");
        using var laptop = sharedHost.NewClient();
        await RegisterAsync(laptop, name);
        using var phoneBrowser = sharedHost.NewClient();
        await LoginAsync(phoneBrowser, name);
        var tokens = await TokensAsync(sharedHost, name);

        if (byTheAccountPagesForm)
        {
            var token = FormToken(await laptop.GetStringAsync("/user/account/"));
            using var signedOut = await laptop.PostAsync("/user/logout/", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = token, ["everywhere"] = "true",
            }));
            Assert.Equal("/user/login/", signedOut.Headers.Location?.OriginalString);
        }
        else
        {
            using var everywhere = await PostWithAntiforgeryAsync(laptop, "/user/logout/", new { everywhere = true });
            Assert.Equal(HttpStatusCode.OK, everywhere.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await phoneBrowser.GetAsync("/chat/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await laptop.GetAsync("/chat/")).StatusCode);
        using var refresh = await sharedHost.NewClient().PostAsJsonAsync("/api/token/refresh/", new { refresh = (string)tokens["refresh"]! });
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
    }

    [Fact]
    public async Task PasswordChange_EndsOtherSessionsAndTokens_KeepsThisBrowser_AndTheNewPasswordWorks()
    {
        var name = Unique("pwd");
        using var here = sharedHost.NewClient();
        await RegisterAsync(here, name);
        using var elsewhere = sharedHost.NewClient();
        await LoginAsync(elsewhere, name);
        var tokens = await TokensAsync(sharedHost, name);

        using var wrongOld = await PostWithAntiforgeryAsync(here, "/user/password/", new { old_password = "not-it-at-all", new_password = "a brand new secret" });
        using var noNew = await PostWithAntiforgeryAsync(here, "/user/password/", new { old_password = Password });
        using var changed = await PostWithAntiforgeryAsync(here, "/user/password/", new { old_password = Password, new_password = "a brand new secret" });

        Assert.Equal(HttpStatusCode.BadRequest, wrongOld.StatusCode);
        Assert.Equal("That is not your password.", (string?)(await wrongOld.Content.ReadFromJsonAsync<JsonObject>())!["error"]);
        Assert.Equal(HttpStatusCode.BadRequest, noNew.StatusCode);
        Assert.Equal("Both the current password and the new one are required.", (string?)(await noNew.Content.ReadFromJsonAsync<JsonObject>())!["error"]);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync("/chat/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await elsewhere.GetAsync("/chat/")).StatusCode);
        using var refresh = await sharedHost.NewClient().PostAsJsonAsync("/api/token/refresh/", new { refresh = (string)tokens["refresh"]! });
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
        using var oldPassword = await sharedHost.NewClient().PostAsJsonAsync("/api/token/", new { username = name, password = Password });
        using var newPassword = await sharedHost.NewClient().PostAsJsonAsync("/api/token/", new { username = name, password = "a brand new secret" });
        Assert.Equal(HttpStatusCode.Unauthorized, oldPassword.StatusCode);
        Assert.Equal(HttpStatusCode.OK, newPassword.StatusCode);
    }

    [Fact]
    public async Task TheAccountPagesForm_ChangesThePassword_SayingWhatWentWrongOrThatItWasDone()
    {
        var name = Unique("form");
        using var browser = sharedHost.NewClient();
        await RegisterAsync(browser, name);
        using var elsewhere = sharedHost.NewClient();
        await LoginAsync(elsewhere, name);

        var page = await browser.GetStringAsync("/user/account/");
        Assert.Contains("action=\"/user/password/\"", page, StringComparison.Ordinal);
        var token = FormToken(page);
        FormUrlEncodedContent Form(string token, string oldPassword, string newPassword) =>
            new(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["old_password"] = oldPassword, ["new_password"] = newPassword });

        using var wrongOld = await browser.PostAsync("/user/password/", Form(token, "not-it-at-all", "a brand new secret"));
        using var forged = await browser.PostAsync("/user/password/", Form("forged", Password, "a brand new secret"));
        using var changed = await browser.PostAsync("/user/password/", Form(token, Password, "a brand new secret"));

        Assert.Equal("/user/account/?error=wrong_password", wrongOld.Headers.Location?.OriginalString);
        Assert.Contains("That is not your password.", await browser.GetStringAsync("/user/account/?error=wrong_password"), StringComparison.Ordinal);
        Assert.Equal("/user/account/?error=expired", forged.Headers.Location?.OriginalString);
        Assert.Equal("/user/account/?done=password_changed", changed.Headers.Location?.OriginalString);
        Assert.Contains("Your password was changed.", await browser.GetStringAsync("/user/account/?done=password_changed"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/chat/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await elsewhere.GetAsync("/chat/")).StatusCode);
        using var newPassword = await sharedHost.NewClient().PostAsJsonAsync("/api/token/", new { username = name, password = "a brand new secret" });
        Assert.Equal(HttpStatusCode.OK, newPassword.StatusCode);
    }

    [Fact]
    public async Task WrongPasswords_SlowTheGuesserWithGrowingDelays_ButLockNothing_AndRevokeNothing()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = new ReferenceHostFactory { TestServices = services => services.AddSingleton<TimeProvider>(time) };
        var name = Unique("slow");
        await RegisterAsync(host.NewClient(), name);
        var tokens = await TokensAsync(host, name);
        using var guesser = host.NewClient();

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.PostAsJsonAsync("/api/token/", new { username = name, password = $"guess {i}" })).StatusCode);
        }

        // Even the right password waits now, and says how long.
        using var waiting = await host.NewClient().PostAsJsonAsync("/api/token/", new { username = name, password = Password });
        Assert.Equal(HttpStatusCode.TooManyRequests, waiting.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), waiting.Headers.RetryAfter?.Delta);
        Assert.Equal("rate_limited", (string?)(await waiting.Content.ReadFromJsonAsync<JsonObject>())!["code"]);

        // The owner's refresh token outlives the guessing.
        using var refreshed = await host.NewClient().PostAsJsonAsync("/api/token/refresh/", new { refresh = (string)tokens["refresh"]! });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);

        // Each further failure doubles the wait.
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.PostAsJsonAsync("/api/token/", new { username = name, password = "guess 6" })).StatusCode);
        using var longer = await guesser.PostAsJsonAsync("/api/token/", new { username = name, password = "guess 7" });
        Assert.Equal(TimeSpan.FromSeconds(2), longer.Headers.RetryAfter?.Delta);

        // Once the wait is over, the right password works: nothing was locked.
        time.Advance(TimeSpan.FromSeconds(2));
        using var owner = await host.NewClient().PostAsJsonAsync("/api/token/", new { username = name, password = Password });
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
        using var scope = host.Services.CreateAsyncScope();
        var account = await scope.ServiceProvider.GetRequiredService<UserManager<ChatAccount>>().FindByNameAsync(name);
        Assert.Null(account!.LockoutEnd);
    }

    [Fact]
    public async Task WrongPasswordsFromOneAddress_AcrossAccounts_SlowThatAddress()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = new ReferenceHostFactory
        {
            TestServices = services => services.AddSingleton<TimeProvider>(time),
            Settings = { ["Accounts:Throttle:FreeFailuresPerAddress"] = "3" },
        };
        using var client = host.NewClient();
        for (var i = 0; i < 4; i++)
        {
            await client.PostAsJsonAsync("/user/login/", new { username = Unique("nobody"), password = "guess" });
        }

        using var refused = await client.PostAsJsonAsync("/user/login/", new { username = Unique("nobody"), password = "guess" });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
    }

    [Fact]
    public async Task RefreshTokenUsedTwice_WithinTheGrace_GetsANewPair_AfterItRevokesTheFamily()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = new ReferenceHostFactory { TestServices = services => services.AddSingleton<TimeProvider>(time) };
        var name = Unique("rot");
        await RegisterAsync(host.NewClient(), name);
        var first = await TokensAsync(host, name);
        using var client = host.NewClient();

        using var rotated = await client.PostAsJsonAsync("/api/token/refresh/", new { refresh = (string)first["refresh"]! });
        var second = (await rotated.Content.ReadFromJsonAsync<JsonObject>())!;
        // The answer was lost on a flaky network, say, and the app retries with the token it has.
        using var retried = await client.PostAsJsonAsync("/api/token/refresh/", new { refresh = (string)first["refresh"]! });
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.NotEqual((string)second["refresh"]!, (string)(await retried.Content.ReadFromJsonAsync<JsonObject>())!["refresh"]!);

        time.Advance(TimeSpan.FromSeconds(31));
        using var reuse = await client.PostAsJsonAsync("/api/token/refresh/", new { refresh = (string)first["refresh"]! });
        using var afterTheft = await client.PostAsJsonAsync("/api/token/refresh/", new { refresh = (string)second["refresh"]! });

        Assert.Equal(HttpStatusCode.Unauthorized, reuse.StatusCode);
        Assert.Equal("token_not_valid", (string?)(await reuse.Content.ReadFromJsonAsync<JsonObject>())!["code"]);
        Assert.Equal(HttpStatusCode.Unauthorized, afterTheft.StatusCode);
    }

    [Fact]
    public async Task RefreshForALockedAccount_IsRefused_WithoutCostingTheToken()
    {
        var name = Unique("lck");
        await RegisterAsync(sharedHost.NewClient(), name);
        var tokens = await TokensAsync(sharedHost, name);
        await SetLockoutAsync(sharedHost, name, DateTimeOffset.UtcNow.AddHours(1));

        using var whileLocked = await sharedHost.NewClient().PostAsJsonAsync("/api/token/refresh/", new { refresh = (string)tokens["refresh"]! });
        await SetLockoutAsync(sharedHost, name, null);
        using var afterwards = await sharedHost.NewClient().PostAsJsonAsync("/api/token/refresh/", new { refresh = (string)tokens["refresh"]! });

        Assert.Equal(HttpStatusCode.Unauthorized, whileLocked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, afterwards.StatusCode);
    }

    [Fact]
    public async Task AccountRoutes_AreRateLimitedPerAddress_WithRetryAfter_AndForwardedAddressesOnlyFromTrustedProxies()
    {
        await using var direct = new ReferenceHostFactory { Settings = { ["RateLimits:AccountBurst"] = "3", ["RateLimits:AccountRequestsPerMinute"] = "1" } };
        using var client = direct.NewClient();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await PostFromAsync(client, "/api/token/", "203.0.113.1")).StatusCode);
        }

        // A forged X-Forwarded-For does not buy a fresh bucket: this host trusts no proxy.
        using var limited = await PostFromAsync(client, "/api/token/", "203.0.113.2");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("rate_limited", (string?)(await limited.Content.ReadFromJsonAsync<JsonObject>())!["code"]);

        await using var proxied = new ReferenceHostFactory
        {
            Settings = { ["RateLimits:AccountBurst"] = "3", ["RateLimits:AccountRequestsPerMinute"] = "1", ["ReverseProxy:KnownProxies:0"] = "127.0.0.1" },
        };
        using var viaProxy = proxied.NewClient();
        for (var i = 0; i < 3; i++)
        {
            await PostFromAsync(viaProxy, "/api/token/", "203.0.113.1");
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await PostFromAsync(viaProxy, "/api/token/", "203.0.113.1")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostFromAsync(viaProxy, "/api/token/", "203.0.113.2")).StatusCode);
    }

    [Fact]
    public async Task Registration_RefusesLongInvisibleAndSpoofingNames_AndOversizedBodies()
    {
        using var client = sharedHost.NewClient();

        Assert.Equal(HttpStatusCode.BadRequest, await RegisterStatusAsync(client, new { username = new string('u', 151), password = Password }));
        Assert.Equal(HttpStatusCode.BadRequest, await RegisterStatusAsync(client, new { username = "nul\0name", password = Password }));
        Assert.Equal(HttpStatusCode.BadRequest, await RegisterStatusAsync(client, new { username = Unique("rtl"), password = Password, firstName = "admin\u202Egnp.exe" }));
        Assert.Equal(HttpStatusCode.BadRequest, await RegisterStatusAsync(client, new { username = Unique("inv"), password = Password, firstName = "\u200B\u200B" }));
        Assert.Equal(HttpStatusCode.BadRequest, await RegisterStatusAsync(client, new { username = Unique("lng"), password = Password, lastName = new string('n', 151) }));
        // As a browser or HttpClient sends a large body: it waits for "100 Continue", and gets 413 instead.
        using var huge = new HttpRequestMessage(HttpMethod.Post, "/user/register/")
        {
            Content = new ByteArrayContent(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { username = Unique("big"), password = Password, firstName = new string('n', 4_000_000) }))
            {
                Headers = { ContentType = new MediaTypeHeaderValue("application/json") },
            },
            Headers = { ExpectContinue = true },
        };
        using var tooLarge = await client.SendAsync(huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await RegisterStatusAsync(client, new { username = Unique("ok"), password = Password, firstName = "Zoë", lastName = "O'Brien-Łukasz" }));
    }

    [Theory]
    [InlineData("short1", "password_too_short")]
    [InlineData("1234567890", "password_numeric")]
    [InlineData("sunshine1", "password_common")]
    [InlineData("{name}x", "password_similar")]
    public async Task PasswordRules_FollowTheOriginalsDjangoDefaults(string password, string rule)
    {
        var name = Unique("rule");
        using var response = await sharedHost.NewClient().PostAsJsonAsync("/user/register/", new { username = name, password = password.Replace("{name}", name, StringComparison.Ordinal) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(AccountErrors.Message(rule), (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]);
    }

    [Fact]
    public async Task OldPasswordHashes_AreRedoneWithTodaysIterationsAtTheNextSignIn()
    {
        var name = Unique("old");
        await RegisterAsync(sharedHost.NewClient(), name);
        await using (var scope = sharedHost.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ChatAccount>>();
            var account = (await users.FindByNameAsync(name))!;
            Assert.Equal(210_000, IterationsOf(account.PasswordHash!));
            account.PasswordHash = new PasswordHasher<ChatAccount>(Options.Create(new PasswordHasherOptions { IterationCount = 100_000 })).HashPassword(account, Password);
            await users.UpdateAsync(account);
        }

        await TokensAsync(sharedHost, name);

        await using (var scope = sharedHost.Services.CreateAsyncScope())
        {
            var account = await scope.ServiceProvider.GetRequiredService<UserManager<ChatAccount>>().FindByNameAsync(name);
            Assert.Equal(210_000, IterationsOf(account!.PasswordHash!));
        }
    }

    [Fact]
    public async Task SignInWithAnUnknownUserName_CostsAPasswordHashLikeAKnownOne()
    {
        var hasher = new CountingHasher();
        await using var host = new ReferenceHostFactory { TestServices = services => services.AddSingleton<IPasswordHasher<ChatAccount>>(hasher) };
        var name = Unique("known");
        await RegisterAsync(host.NewClient(), name);

        var before = hasher.Verifications;
        await host.NewClient().PostAsJsonAsync("/api/token/", new { username = name, password = "wrong password" });
        var known = hasher.Verifications - before;
        before = hasher.Verifications;
        await host.NewClient().PostAsJsonAsync("/api/token/", new { username = Unique("ghost"), password = "wrong password" });
        var unknown = hasher.Verifications - before;
        before = hasher.Verifications;
        await host.NewClient().PostAsJsonAsync("/user/login/", new { username = new string('x', 300), password = "wrong password" });
        var impossible = hasher.Verifications - before;

        Assert.Equal(1, known);
        Assert.Equal(known, unknown);
        Assert.Equal(known, impossible);
    }

    [Fact]
    public async Task EveryPage_CarriesTheSecurityHeaders()
    {
        using var browser = sharedHost.NewClient();
        await RegisterAsync(browser, Unique("hdr"));

        foreach (var path in new[] { "/user/login/", "/home/", "/chat/" })
        {
            using var response = await (path == "/user/login/" ? sharedHost.NewClient() : browser).GetAsync(path);
            var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("same-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
            Assert.False(response.Headers.Contains("Strict-Transport-Security"), "HSTS over plain HTTP means nothing and is not sent.");
        }
    }

    [Fact]
    public async Task AccountPages_ShowOnlyKnownMessages_NeverTextFromTheAddress()
    {
        using var client = sharedHost.NewClient();

        var forged = await client.GetStringAsync("/user/login/?error=" + Uri.EscapeDataString("Your account is suspended: call +1 555 0100"));
        var known = await client.GetStringAsync("/user/register/?error=taken");

        Assert.DoesNotContain("suspended", forged, StringComparison.Ordinal);
        Assert.DoesNotContain("role=\"alert\"", forged, StringComparison.Ordinal);
        Assert.Contains("Username already taken", known, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BehindATrustedTlsProxy_TheCookieIsSecure_HstsIsSent_AndThePagesCookieSocketsAreAccepted()
    {
        await using var host = new ReferenceHostFactory { Settings = { ["ReverseProxy:KnownProxies:0"] = "127.0.0.1" } };
        var name = Unique("tls");
        using var register = new HttpRequestMessage(HttpMethod.Post, "/user/register/") { Content = JsonContent.Create(new { username = name, password = Password }) };
        register.Headers.Add("X-Forwarded-Proto", "https");
        register.Headers.Add("X-Forwarded-For", "198.51.100.7");
        using var registered = await host.NewClient().SendAsync(register);
        var cookie = Assert.Single(registered.Headers.GetValues("Set-Cookie"), c => c.StartsWith("chatengine.session=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Strict-Transport-Security", registered.Headers.Select(h => h.Key));

        // The browser is on https://{host}, the proxy speaks plain HTTP to the app.
        var token = (await TokensAsync(host, name))["access"]!.ToString();
        using var api = host.NewClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var created = await api.PostAsJsonAsync("/group/", new { name = "Proxied", members = Array.Empty<string>() });
        var chatId = (long)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        using var socket = new ClientWebSocket { Options = { CollectHttpResponseDetails = true } };
        socket.Options.SetRequestHeader("Cookie", cookie.Split(';')[0]);
        socket.Options.SetRequestHeader("Origin", $"https://{host.BaseAddress.Authority}");
        socket.Options.SetRequestHeader("X-Forwarded-Proto", "https");
        await socket.ConnectAsync(new Uri($"ws://{host.BaseAddress.Authority}/ws/chat/{chatId}/"), CancellationToken.None);
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    private static async Task<int> SessionCountAsync(ReferenceHostFactory host, string name)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<global::ReferenceHost.Data.ReferenceHostDbContext>();
        var account = await db.Users.SingleAsync(u => u.UserName == name);
        return await db.Sessions.CountAsync(s => s.UserId == account.Id);
    }

    private static int IterationsOf(string hash)
    {
        // Identity's v3 format: a marker byte, the PRF (4 bytes), then the iteration count (4 bytes, big-endian).
        var bytes = Convert.FromBase64String(hash);
        return (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(5, 4));
    }

    private static async Task SetLockoutAsync(ReferenceHostFactory host, string name, DateTimeOffset? until)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ChatAccount>>();
        var account = (await users.FindByNameAsync(name))!;
        account.LockoutEnd = until;
        await users.UpdateAsync(account);
    }

    private static async Task<HttpResponseMessage> PostFromAsync(HttpClient client, string path, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(new { username = "someone", password = "wrong" }) };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return await client.SendAsync(request);
    }

    private static async Task<HttpStatusCode> RegisterStatusAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/user/register/", body);
        return response.StatusCode;
    }

    private static async Task LoginAsync(HttpClient client, string name)
    {
        using var response = await client.PostAsJsonAsync("/user/login/", new { username = name, password = Password });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A cookie-authenticated JSON post as the pages make it: with the anti-forgery token from /home/.</summary>
    private static async Task<HttpResponseMessage> PostWithAntiforgeryAsync(HttpClient browser, string path, object body)
    {
        var home = await browser.GetStringAsync("/home/");
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("RequestVerificationToken", WebUtility.HtmlDecode(AntiforgeryMeta().Match(home).Groups[1].Value));
        return await browser.SendAsync(request);
    }

    private static async Task<HttpStatusCode> GetWithCookieAsync(ReferenceHostFactory host, string cookie, string path)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = host.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    [GeneratedRegex("<meta name=\"ce-antiforgery\" content=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryMeta();

    private sealed class CountingHasher : IPasswordHasher<ChatAccount>
    {
        private readonly PasswordHasher<ChatAccount> _inner = new();
        private int _verifications;

        public int Verifications => Volatile.Read(ref _verifications);

        public string HashPassword(ChatAccount user, string password) => _inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(ChatAccount user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref _verifications);
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }
}
