using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Xunit;

namespace ChatEngine.PackageTests;

/// <summary>
/// The README's example app, built from the packages alone, does what the README says: its own
/// Identity users chat through REST and WebSockets, the chat database is created by the packaged
/// migrations, and the pages come with their scripts and styles.
/// </summary>
public sealed class ConsumerAppTests(ConsumerApp app) : IClassFixture<ConsumerApp>
{
    [Fact]
    public async Task AppUsers_StartAChat_AndMessagesArriveLive_AndAreStored()
    {
        var alice = await app.RegisterAsync("alice@example.com");
        var bob = await app.RegisterAsync("bob@example.com");
        using var aliceClient = Authorized(alice);

        var started = await aliceClient.PostAsJsonAsync("/chat/chat/", new { username = "BOB@example.com" });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var chatId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        using var bobSocket = await ConnectAsync(chatId, bob);
        using var aliceSocket = await ConnectAsync(chatId, alice);
        await aliceSocket.SendAsync("""{"type":"message","text":"  hello from a package  ","client_id":"c-1"}""");

        var delivered = await bobSocket.ReceiveAsync("message");
        Assert.Equal("hello from a package", delivered.GetProperty("text").GetString());
        Assert.Equal("alice", delivered.GetProperty("sender_username").GetString()); // Her handle, not her address.

        using var bobClient = Authorized(bob);
        var history = await bobClient.GetFromJsonAsync<JsonElement>($"/chat/chat/{chatId}");
        Assert.Contains(history.GetProperty("messages").EnumerateArray(), m => m.GetProperty("text").GetString() == "hello from a package");
        Assert.True(File.Exists(Path.Combine(app.PublishFolder, "chat.db")), "The packaged migrations should have created chat.db at start-up.");
    }

    [Fact]
    public async Task ChatRoutes_AnswerAnonymousCallers401_UnderTheAppsPolicy()
    {
        using var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/chat/chat/")).StatusCode);
    }

    [Fact]
    public async Task HomePage_RendersForACookieSession_WithItsScriptsAndStylesServed()
    {
        await app.RegisterAsync("carol@example.com");
        var cookies = new CookieContainer();
        using var client = app.CreateClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false });
        var login = await client.PostAsJsonAsync("/account/login?useCookies=true", new { email = "carol@example.com", password = "Passw0rd!" });
        login.EnsureSuccessStatusCode();

        var page = await client.GetAsync("/chat/home/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Signed in as </span><strong>carol</strong>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("ce-logout", html, StringComparison.Ordinal);

        foreach (var asset in new[] { "chatengine.js", "chatengine.css", "chatengine-icon.svg" })
        {
            var path = $"/_content/ChatEngine.AspNetCore/{asset}";
            Assert.Contains(path, html, StringComparison.Ordinal);
            var served = await client.GetAsync(path);
            Assert.True(served.IsSuccessStatusCode, $"{path} answered {(int)served.StatusCode}");
            Assert.NotEmpty(await served.Content.ReadAsByteArrayAsync());
        }
    }

    private HttpClient Authorized(string token)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task<ClientWebSocket> ConnectAsync(long chatId, string token)
    {
        var socket = new ClientWebSocket();
        var uri = new UriBuilder(app.BaseAddress) { Scheme = "ws", Path = $"/chat/ws/chat/{chatId}/", Query = $"access_token={token}" }.Uri;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await socket.ConnectAsync(uri, timeout.Token);
        return socket;
    }
}
