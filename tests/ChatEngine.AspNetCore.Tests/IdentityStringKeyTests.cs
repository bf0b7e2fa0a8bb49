using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>
/// An app as <c>dotnet new webapp --auth Individual</c> makes it: Identity's <c>IdentityUser</c>,
/// whose ids are GUID strings, in the app's database; chat in a database of its own, added with one
/// directory line. Its users chat over REST, WebSockets and the hub, with numeric ids on the wire.
/// </summary>
public sealed class IdentityStringKeyTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatengine-identity-").FullName;
    private WebApplication _app = null!;
    private Uri _baseAddress = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Services.AddDbContext<IdentityAppDbContext>(o => o.UseSqlite($"Data Source={Path.Combine(_folder, "app.db")}"));
        builder.Services.AddIdentityApiEndpoints<IdentityUser>().AddEntityFrameworkStores<IdentityAppDbContext>();
        builder.Services.AddAuthorization();
        builder.Services.AddChatEngine()
            .AddSqliteStores($"Data Source={Path.Combine(_folder, "chat.db")}")
            .AddUserDirectory<IdentityAppDbContext, IdentityUser>(user => user.Id, user => user.UserName);

        _app = builder.Build();
        _app.UseAuthentication();
        _app.UseAuthorization();
        _app.MapGroup("/account").MapIdentityApi<IdentityUser>();
        // As a template app adds bearer tokens beside its cookie: a policy naming both schemes.
        _app.MapGroup("/chat").MapChatEndpoints().RequireAuthorization(new AuthorizeAttribute
        {
            AuthenticationSchemes = $"{IdentityConstants.ApplicationScheme},{IdentityConstants.BearerScheme}",
        });

        await using (var scope = _app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IdentityAppDbContext>().Database.EnsureCreatedAsync();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            foreach (var name in new[] { "alice", "bob", "carol" })
            {
                var created = await users.CreateAsync(new IdentityUser(name) { Email = $"{name}@example.com" }, "Passw0rd!");
                Assert.True(created.Succeeded, string.Join(", ", created.Errors.Select(e => e.Description)));
            }
        }

        await _app.StartAsync();
        _baseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task UsersWithGuidStringIds_ChatOverRestSocketsAndTheHub_WithNumericIdsOnTheWire()
    {
        var aliceToken = await SignInAsync("alice");
        var bobToken = await SignInAsync("bob");
        using var alice = Client(aliceToken);

        using var started = await alice.PostAsJsonAsync("/chat/chat/", new { username = "bob" });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var chatId = (long)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;

        using var bobSocket = new ClientWebSocket();
        bobSocket.Options.SetRequestHeader("Authorization", $"Bearer {bobToken}");
        await bobSocket.ConnectAsync(new Uri($"ws://{_baseAddress.Authority}/chat/ws/chat/{chatId}/"), CancellationToken.None);
        using var bob = new ChatSocketClient(bobSocket);

        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(_baseAddress, "/chat" + ChatEndpointPaths.Hub), o => o.AccessTokenProvider = () => Task.FromResult<string?>(aliceToken))
            .Build();
        await hub.StartAsync();
        await hub.InvokeAsync<System.Text.Json.JsonElement>("JoinChat", chatId, null);
        await hub.InvokeAsync<System.Text.Json.JsonElement>("SendMessage", chatId, "hello from a GUID", null);

        var delivered = await bob.ReceiveAsync("message");
        Assert.Equal("hello from a GUID", (string?)delivered["text"]);
        Assert.Equal("alice", (string?)delivered["sender_username"]);
        var aliceId = (long)delivered["sender"]!;
        Assert.True(aliceId > 0);

        // Bob answers over the socket; Alice's history has both, and her id is the one the wire showed.
        await bob.SendAsync(new { type = "message", text = "hi alice" });
        await bob.ReceiveAsync("message");
        var history = await alice.GetFromJsonAsync<JsonObject>($"/chat/chat/{chatId}");
        var messages = history!["messages"]!.AsArray();
        Assert.Equal(["hello from a GUID", "hi alice"], messages.Select(m => (string?)m!["text"]));
        Assert.Equal(aliceId, (long)messages[0]!["sender"]!);
    }

    [Fact]
    public async Task Search_FindsAUserWhoNeverOpenedChat_WithANumericId()
    {
        using var alice = Client(await SignInAsync("alice"));

        var found = await alice.GetFromJsonAsync<JsonArray>("/chat/search/?q=CAR");

        var carol = Assert.Single(found!);
        Assert.Equal("carol", (string?)carol!["username"]);
        Assert.True((long)carol["id"]! > 0);

        // And she can be reached by name.
        using var started = await alice.PostAsJsonAsync("/chat/chat/", new { username = "carol" });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
    }

    [Fact]
    public async Task UnderAPolicyOfCookieAndBearer_OnlyTheCookieNeedsTheAntiforgeryToken()
    {
        using var bearer = Client(await SignInAsync("bob"));
        using var bearerPost = await bearer.PostAsJsonAsync("/chat/group/", new { name = "By token", members = new[] { "alice" } });
        Assert.Equal(HttpStatusCode.Created, bearerPost.StatusCode);

        using var cookies = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = _baseAddress };
        (await cookies.PostAsJsonAsync("/account/login?useCookies=true", new { email = "bob", password = "Passw0rd!" })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await cookies.GetAsync("/chat/chat/")).StatusCode);
        using var cookiePost = await cookies.PostAsJsonAsync("/chat/group/", new { name = "By cookie", members = new[] { "alice" } });
        Assert.Equal(HttpStatusCode.BadRequest, cookiePost.StatusCode);
        Assert.Equal(ChatErrorCodes.AntiforgeryFailed, (string?)(await cookiePost.Content.ReadFromJsonAsync<JsonObject>())!["code"]);
    }

    [Fact]
    public async Task TheManifest_IsServedWithoutCredentials_UnderTheAppsPolicy()
    {
        using var anonymous = new HttpClient { BaseAddress = _baseAddress };

        using var manifest = await anonymous.GetAsync("/chat/manifest.webmanifest");

        Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
        Assert.Equal("/chat/home/", (string?)(await manifest.Content.ReadFromJsonAsync<JsonObject>())!["start_url"]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/chat/chat/")).StatusCode);
    }

    private async Task<string> SignInAsync(string name)
    {
        using var client = new HttpClient { BaseAddress = _baseAddress };
        using var login = await client.PostAsJsonAsync("/account/login", new { email = name, password = "Passw0rd!" });
        login.EnsureSuccessStatusCode();
        return (string)(await login.Content.ReadFromJsonAsync<JsonObject>())!["accessToken"]!;
    }

    private HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = _baseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}

/// <summary>The template's ApplicationDbContext: Identity's tables, string keys.</summary>
public sealed class IdentityAppDbContext(DbContextOptions<IdentityAppDbContext> options) : IdentityDbContext(options);
