using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace ChatEngine.PackageTests;

/// <summary>
/// A README section for an SDK template, followed to the letter: two people register and sign in
/// through the template's own Identity pages, then chat over REST (with the cookie and the
/// anti-forgery token) and WebSockets, a mobile client with a bearer token, and sign out through the
/// chat pages into the template's own sign-out.
/// </summary>
public abstract partial class TemplateAppTests<TApp>(TApp app)
    where TApp : TemplateApp
{
    private const string Password = "Passw0rd!";

    /// <summary>Where the template's Identity pages are, for example <c>/Account</c>.</summary>
    protected abstract string AccountPages { get; }

    /// <summary>What the app's home page of chat shows of the app around it.</summary>
    protected abstract void AssertFitsTheApp(string chatHome);

    [Fact]
    public async Task TwoPeopleRegisterThroughTheTemplatesPages_AndChatOverRestAndWebSockets()
    {
        var (ann, annCookies) = await RegisterAndSignInAsync("ann@example.com");
        var (ben, benCookies) = await RegisterAndSignInAsync("ben@example.com");

        // Ann's chat home page: the app's brand, the app around it, and Ben reached by his exact address.
        var home = await ann.GetStringAsync("/chat/home/");
        Assert.Contains(">MyApp</a>", home, StringComparison.Ordinal);
        AssertFitsTheApp(home);
        var antiforgery = WebUtility.HtmlDecode(MetaAntiforgery().Match(home).Groups["token"].Value);

        using var start = new HttpRequestMessage(HttpMethod.Post, "/chat/chat/") { Content = JsonContent.Create(new { username = "ben@example.com" }) };
        start.Headers.Add("RequestVerificationToken", antiforgery);
        using var started = await ann.SendAsync(start);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var chatId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        using var benSocket = await ConnectAsync(chatId, benCookies);
        using var annSocket = await ConnectAsync(chatId, annCookies);
        await annSocket.SendAsync("""{"type":"message","text":"hello from the template"}""");
        var delivered = await benSocket.ReceiveAsync("message");
        Assert.Equal("hello from the template", delivered.GetProperty("text").GetString());
        Assert.Equal("ann", delivered.GetProperty("sender_username").GetString()); // A handle, never the address.

        // Ben's phone app signs in for a bearer token and sees the chat.
        using var login = await app.CreateClient().PostAsJsonAsync("/identity/login", new { email = "ben@example.com", password = Password });
        login.EnsureSuccessStatusCode();
        using var phone = app.CreateClient();
        phone.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString());
        var chats = await phone.GetFromJsonAsync<JsonElement>("/chat/chat/");
        Assert.Contains(chats.EnumerateArray(), c => c.GetProperty("id").GetInt64() == chatId && c.GetProperty("lastMessage").GetString() == "hello from the template");
        // Ben's chat page shows Ann by her handle, and her address nowhere.
        var page = await ben.GetStringAsync($"/chat/chat-web/{chatId}");
        Assert.Contains("ann", page, StringComparison.Ordinal);
        Assert.DoesNotContain("ann@example.com", page, StringComparison.Ordinal);

        // Ben signs out with the chat pages' button, which posts to the template's own sign-out.
        var signOut = LogoutForm().Match(page);
        Assert.True(signOut.Success, "The chat page should have a sign-out form.");
        using var signedOut = await ben.PostAsync(WebUtility.HtmlDecode(signOut.Groups["action"].Value), new FormUrlEncodedContent(HiddenInputs(signOut.Value)));
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        using var afterwards = await ben.GetAsync("/chat/home/");
        Assert.Equal(HttpStatusCode.Redirect, afterwards.StatusCode);
        Assert.Contains($"{AccountPages}/Login", afterwards.Headers.Location!.OriginalString, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void TheApp_TakesNoRedisOrMessagePack()
    {
        var assemblies = Directory.GetFiles(app.PublishFolder, "*.dll").Select(Path.GetFileName).ToList();

        Assert.Contains("ChatEngine.AspNetCore.dll", assemblies);
        Assert.DoesNotContain(assemblies, name => name!.StartsWith("StackExchange.Redis", StringComparison.Ordinal) || name.StartsWith("MessagePack", StringComparison.Ordinal));
    }

    /// <summary>Registers through the template's Identity pages, confirms through the link they show, and signs in.</summary>
    private async Task<(HttpClient Client, CookieContainer Cookies)> RegisterAndSignInAsync(string email)
    {
        var cookies = new CookieContainer();
        var client = app.CreateClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false });
        using var registered = await PostFormAsync(client, $"{AccountPages}/Register",
            ("Input.Email", email), ("Input.Password", Password), ("Input.ConfirmPassword", Password));
        Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);

        var confirmation = await client.GetStringAsync(registered.Headers.Location);
        var confirm = WebUtility.HtmlDecode(ConfirmLink().Match(confirmation).Groups["href"].Value);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(confirm)).StatusCode);

        using var signedIn = await PostFormAsync(client, $"{AccountPages}/Login",
            ("Input.Email", email), ("Input.Password", Password), ("Input.RememberMe", "false"));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return (client, cookies);
    }

    /// <summary>Fills the page's form that has the given fields, keeping its hidden inputs (the anti-forgery token, Blazor's form name).</summary>
    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, params (string Name, string Value)[] fields)
    {
        var page = await client.GetStringAsync(path);
        var form = Forms().Matches(page).Select(m => m.Value).First(f => f.Contains($"name=\"{fields[0].Name}\"", StringComparison.Ordinal));
        var values = HiddenInputs(form).Concat(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
        return await client.PostAsync(path, new FormUrlEncodedContent(values));
    }

    private static IEnumerable<KeyValuePair<string, string>> HiddenInputs(string form) =>
        HiddenInput().Matches(form).Select(m => new KeyValuePair<string, string>(
            WebUtility.HtmlDecode(InputAttribute("name").Match(m.Value).Groups["value"].Value),
            WebUtility.HtmlDecode(InputAttribute("value").Match(m.Value).Groups["value"].Value)));

    private static Regex InputAttribute(string name) => new($@"\b{name}=""(?<value>[^""]*)""");

    private async Task<ClientWebSocket> ConnectAsync(long chatId, CookieContainer cookies)
    {
        var socket = new ClientWebSocket { Options = { Cookies = cookies } };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await socket.ConnectAsync(new UriBuilder(app.BaseAddress) { Scheme = "ws", Path = $"/chat/ws/chat/{chatId}/" }.Uri, timeout.Token);
        return socket;
    }

    [GeneratedRegex(@"<form\b.*?</form>", RegexOptions.Singleline)]
    private static partial Regex Forms();

    [GeneratedRegex(@"<input\b[^>]*\btype=""hidden""[^>]*>")]
    private static partial Regex HiddenInput();

    [GeneratedRegex(@"<form method=""post"" action=""(?<action>[^""]+)"" class=""ce-logout"">.*?</form>", RegexOptions.Singleline)]
    private static partial Regex LogoutForm();

    [GeneratedRegex(@"<meta name=""ce-antiforgery"" content=""(?<token>[^""]*)""")]
    private static partial Regex MetaAntiforgery();

    [GeneratedRegex(@"href=""(?<href>[^""]+)""[^>]*>Click here to confirm your account")]
    private static partial Regex ConfirmLink();
}

public sealed class WebAppTemplateTests(WebAppTemplateApp app) : TemplateAppTests<WebAppTemplateApp>(app), IClassFixture<WebAppTemplateApp>
{
    protected override string AccountPages => "/Identity/Account";

    protected override void AssertFitsTheApp(string chatHome) =>
        Assert.Contains("<a class=\"ce-home-link\" href=\"/\">Home</a>", chatHome, StringComparison.Ordinal);
}

public sealed class BlazorTemplateTests(BlazorTemplateApp app) : TemplateAppTests<BlazorTemplateApp>(app), IClassFixture<BlazorTemplateApp>
{
    protected override string AccountPages => "/Account";

    protected override void AssertFitsTheApp(string chatHome)
    {
        // The template's layout and menu around the chat, with its styles.
        Assert.Contains("class=\"navbar-brand\"", chatHome, StringComparison.Ordinal);
        Assert.Contains("href=\"chat/home/\"", chatHome, StringComparison.Ordinal);
        Assert.Contains("<link rel=\"stylesheet\" href=\"/MyApp.styles.css\" />", chatHome, StringComparison.Ordinal);
        Assert.True(chatHome.IndexOf("navbar-brand", StringComparison.Ordinal) < chatHome.IndexOf("ce-top", StringComparison.Ordinal));
    }
}
