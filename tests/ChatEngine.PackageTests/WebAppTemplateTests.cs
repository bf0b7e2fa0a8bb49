using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace ChatEngine.PackageTests;

/// <summary>
/// The README's section for <c>dotnet new webapp --auth Individual</c>, followed to the letter: two
/// people register and sign in through the template's own Identity pages, then chat over REST (with
/// the cookie and the anti-forgery token) and WebSockets, and a mobile client with a bearer token.
/// </summary>
public sealed partial class WebAppTemplateTests(WebAppTemplateApp app) : IClassFixture<WebAppTemplateApp>
{
    private const string Password = "Passw0rd!";

    [Fact]
    public async Task TwoPeopleRegisterThroughTheTemplatesPages_AndChatOverRestAndWebSockets()
    {
        var (ann, annCookies) = await RegisterAndSignInAsync("ann@example.com");
        var (ben, benCookies) = await RegisterAndSignInAsync("ben@example.com");

        // Ann's chat home page: the app's brand and a way back to it.
        var home = await ann.GetStringAsync("/chat/home/");
        Assert.Contains(">MyApp</a>", home, StringComparison.Ordinal);
        Assert.Contains("<a class=\"ce-home-link\" href=\"/\">Home</a>", home, StringComparison.Ordinal);
        var antiforgery = WebUtility.HtmlDecode(MetaAntiforgery().Match(home).Groups["token"].Value);

        using var start = new HttpRequestMessage(HttpMethod.Post, "/chat/chat/") { Content = JsonContent.Create(new { username = "ben@example.com" }) };
        start.Headers.Add("RequestVerificationToken", antiforgery);
        using var started = await ann.SendAsync(start);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var chatId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        using var benSocket = await ConnectAsync(chatId, benCookies);
        using var annSocket = await ConnectAsync(chatId, annCookies);
        await annSocket.SendAsync(Encoding.UTF8.GetBytes("""{"type":"message","text":"hello from the template"}"""), WebSocketMessageType.Text, true, CancellationToken.None);
        var delivered = await ReceiveAsync(benSocket, "message");
        Assert.Equal("hello from the template", delivered.GetProperty("text").GetString());
        Assert.Equal("ann@example.com", delivered.GetProperty("sender_username").GetString());

        // Ben's phone app signs in for a bearer token and sees the chat.
        using var login = await app.CreateClient().PostAsJsonAsync("/account/login", new { email = "ben@example.com", password = Password });
        login.EnsureSuccessStatusCode();
        using var phone = app.CreateClient();
        phone.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString());
        var chats = await phone.GetFromJsonAsync<JsonElement>("/chat/chat/");
        Assert.Contains(chats.EnumerateArray(), c => c.GetProperty("id").GetInt64() == chatId && c.GetProperty("lastMessage").GetString() == "hello from the template");
        Assert.Equal(HttpStatusCode.OK, (await ben.GetAsync($"/chat/chat-web/{chatId}")).StatusCode);
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
        using var registered = await PostFormAsync(client, "/Identity/Account/Register",
            ("Input.Email", email), ("Input.Password", Password), ("Input.ConfirmPassword", Password));
        Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);

        var confirmation = await client.GetStringAsync(registered.Headers.Location);
        var confirm = WebUtility.HtmlDecode(ConfirmLink().Match(confirmation).Groups["href"].Value);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(confirm)).StatusCode);

        using var signedIn = await PostFormAsync(client, "/Identity/Account/Login",
            ("Input.Email", email), ("Input.Password", Password), ("Input.RememberMe", "false"));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return (client, cookies);
    }

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, params (string Name, string Value)[] fields)
    {
        var page = await client.GetStringAsync(path);
        var token = FormAntiforgery().Match(page).Groups["token"].Value;
        var form = fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).Append(new("__RequestVerificationToken", token));
        return await client.PostAsync(path, new FormUrlEncodedContent(form));
    }

    private async Task<ClientWebSocket> ConnectAsync(long chatId, CookieContainer cookies)
    {
        var socket = new ClientWebSocket { Options = { Cookies = cookies } };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await socket.ConnectAsync(new UriBuilder(app.BaseAddress) { Scheme = "ws", Path = $"/chat/ws/chat/{chatId}/" }.Uri, timeout.Token);
        return socket;
    }

    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket socket, string type)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[64 * 1024];
        while (true)
        {
            using var frame = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer, timeout.Token);
                frame.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);

            var json = JsonDocument.Parse(frame.ToArray()).RootElement.Clone();
            if (json.GetProperty("type").GetString() == type)
            {
                return json;
            }
        }
    }

    [GeneratedRegex(@"name=""__RequestVerificationToken"" type=""hidden"" value=""(?<token>[^""]+)""")]
    private static partial Regex FormAntiforgery();

    [GeneratedRegex(@"<meta name=""ce-antiforgery"" content=""(?<token>[^""]*)""")]
    private static partial Regex MetaAntiforgery();

    [GeneratedRegex(@"id=""confirm-link"" href=""(?<href>[^""]+)""")]
    private static partial Regex ConfirmLink();
}
