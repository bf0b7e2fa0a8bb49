using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit;

namespace ChatEngine.ReferenceHost.Tests;

public sealed partial class AccountApiTests : IClassFixture<ReferenceHostFactory>
{
    private readonly ReferenceHostFactory _host;

    public AccountApiTests(ReferenceHostFactory host) => _host = host;

    [Fact]
    public async Task Register_ThenDuplicate_ThenLogin_FollowTheContract()
    {
        using var client = _host.NewClient();
        var name = Unique("reg");

        using var registered = await client.PostAsJsonAsync("/user/register/", new { username = name, password = "Passw0rd!", firstName = "Ada", lastName = "L" });
        using var duplicate = await client.PostAsJsonAsync("/user/register/", new { username = name.ToUpperInvariant(), password = "Passw0rd!" });
        using var weak = await client.PostAsJsonAsync("/user/register/", new { username = Unique("weak"), password = "x" });
        using var login = await _host.NewClient().PostAsJsonAsync("/user/login/", new { username = name, password = "Passw0rd!" });
        using var wrong = await _host.NewClient().PostAsJsonAsync("/user/login/", new { username = name, password = "nope" });

        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        Assert.True((bool)(await registered.Content.ReadFromJsonAsync<JsonObject>())!["success"]!);
        Assert.Contains(registered.Headers.GetValues("Set-Cookie"), c => c.StartsWith("chatengine.session=", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
        Assert.Equal("Username already taken", (string?)(await duplicate.Content.ReadFromJsonAsync<JsonObject>())!["error"]);
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.NotNull((string?)(await weak.Content.ReadFromJsonAsync<JsonObject>())!["error"]);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var failure = await wrong.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal((false, "Invalid user"), ((bool)failure!["success"]!, (string)failure["error"]!));
    }

    [Fact]
    public async Task Token_GivesAccessAndRefresh_AndTheAccessTokenOpensTheChatApi()
    {
        var name = await RegisterAsync("tok");
        using var client = _host.NewClient();

        using var response = await client.PostAsJsonAsync("/api/token/", new { username = name, password = "Passw0rd!" });
        using var bad = await client.PostAsJsonAsync("/api/token/", new { username = name, password = "wrong" });
        using var malformed = await client.PostAsync("/api/token/", new StringContent("{", System.Text.Encoding.UTF8, "application/json"));

        var tokens = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.NotNull((string?)tokens!["access"]);
        Assert.NotNull((string?)tokens["refresh"]);
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.NotNull((string?)(await bad.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        Assert.Equal(HttpStatusCode.Unauthorized, malformed.StatusCode);

        using var api = _host.NewClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)tokens["access"]!);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/chat/")).StatusCode);
    }

    [Fact]
    public async Task Logout_RevokesTheRefreshToken()
    {
        var name = await RegisterAsync("out");
        using var client = _host.NewClient();
        var tokens = await TokensAsync(client, name);

        using var api = _host.NewClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)tokens["access"]!);
        using var logout = await api.PostAsJsonAsync("/user/logout/", new { refresh = (string)tokens["refresh"]! });
        using var refresh = await client.PostAsJsonAsync("/api/token/refresh/", new { refresh = (string)tokens["refresh"]! });

        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("forged")]
    public async Task ExpiredOrForgedAccessToken_IsRefusedOnRestAndWebSocket(string kind)
    {
        var name = await RegisterAsync("exp");
        var tokens = await TokensAsync(_host.NewClient(), name);
        var userId = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken((string)tokens["access"]!).Subject;
        var key = kind == "expired" ? Convert.FromBase64String(_host.SigningKey) : System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var past = DateTime.UtcNow.AddHours(-2);
        var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = "ChatEngine.ReferenceHost",
            Audience = "ChatEngine",
            Claims = new Dictionary<string, object> { ["sub"] = userId },
            IssuedAt = past,
            NotBefore = past,
            Expires = kind == "expired" ? past.AddMinutes(15) : DateTime.UtcNow.AddMinutes(15),
            SigningCredentials = new(new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(key), Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256),
        });
        using var api = _host.NewClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var rest = await api.GetAsync("/chat/");
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() =>
            socket.ConnectAsync(new Uri($"ws://{_host.BaseAddress.Authority}/ws/chat/1/?access_token={token}"), CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, rest.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
    }

    [Fact]
    public async Task CookiePost_WithoutTheAntiforgeryToken_IsRefused_AndWithItSucceeds()
    {
        var name = await RegisterAsync("csrf");
        var other = await RegisterAsync("csrf-peer");
        using var browser = _host.NewClient();
        await browser.PostAsJsonAsync("/user/login/", new { username = name, password = "Passw0rd!" });

        using var forged = await browser.PostAsJsonAsync("/chat/", new { username = other });
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal("antiforgery_failed", (string?)(await forged.Content.ReadFromJsonAsync<JsonObject>())!["code"]);

        var home = await browser.GetStringAsync("/home/");
        var token = AntiforgeryMeta().Match(home).Groups[1].Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat/") { Content = JsonContent.Create(new { username = other }) };
        request.Headers.Add("RequestVerificationToken", System.Net.WebUtility.HtmlDecode(token));
        using var genuine = await browser.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, genuine.StatusCode);
    }

    [Fact]
    public async Task Pages_RedirectAnonymousVisitorsToLogin_AndApiRoutesAnswer401()
    {
        using var browser = _host.NewClient();
        browser.DefaultRequestHeaders.Accept.ParseAdd("text/html");

        using var root = await browser.GetAsync("/");
        using var home = await browser.GetAsync("/home/");
        using var chat = await browser.GetAsync("/chat-web/1");
        using var api = await _host.NewClient().GetAsync("/chat/");
        using var loginPage = await browser.GetAsync("/user/login/");

        Assert.Equal("/home/", root.Headers.Location?.OriginalString);
        Assert.StartsWith("/user/login/", home.Headers.Location?.OriginalString, StringComparison.Ordinal);
        Assert.StartsWith("/user/login/", chat.Headers.Location?.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Contains("<form method=\"post\" action=\"/user/login/\"", await loginPage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthEndpoint_ReportsHealthy()
    {
        Assert.Equal("Healthy", await _host.NewClient().GetStringAsync("/health"));
    }

    private async Task<string> RegisterAsync(string prefix)
    {
        var name = Unique(prefix);
        using var response = await _host.NewClient().PostAsJsonAsync("/user/register/", new { username = name, password = "Passw0rd!" });
        response.EnsureSuccessStatusCode();
        return name;
    }

    private static async Task<JsonObject> TokensAsync(HttpClient client, string name)
    {
        using var response = await client.PostAsJsonAsync("/api/token/", new { username = name, password = "Passw0rd!" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..20];

    [GeneratedRegex("<meta name=\"ce-antiforgery\" content=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryMeta();
}
