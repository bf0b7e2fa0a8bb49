using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Security.Cryptography;
using ChatEngine.AspNetCore;
using ChatEngine.InMemory;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Xunit;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>
/// A real app on real Kestrel (a free port on 127.0.0.1): ChatEngine on SQLite behind real JwtBearer
/// and cookie authentication, as a host would set it up. Users: alice (1), bob (2), carol (3), dave (4), eve (5).
/// </summary>
public sealed class ChatServer : IAsyncDisposable
{
    public const long Alice = 1, Bob = 2, Carol = 3, Dave = 4, Eve = 5;

    private readonly WebApplication _app;
    private readonly SymmetricSecurityKey _key = new(RandomNumberGenerator.GetBytes(32));
    private readonly string _folder = Directory.CreateTempSubdirectory("chatengine-web-").FullName;

    private ChatServer(Action<ChatTransportOptions>? transports, LogLevel logLevel, TimeProvider? time, Action<ChatEngineBuilder>? engine, Action<IServiceCollection>? services)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(logLevel);
        builder.Logging.AddProvider(Logs);

        var users = new InMemoryChatUserDirectory();
        foreach (var (id, name) in new[] { (Alice, "alice"), (Bob, "bob"), (Carol, "carol"), (Dave, "dave"), (Eve, "eve") })
        {
            users.Add(new ChatUser(id, name));
        }

        var chatEngine = builder.Services.AddChatEngine();
        chatEngine.AddFileSystemAttachments(AttachmentFolder).AddImageThumbnails();
        engine?.Invoke(chatEngine);
        chatEngine
            .AddSqliteStores($"Data Source={Path.Combine(_folder, "chat.db")}")
            .AddUserDirectory(users)
            .ConfigureTransports(o =>
            {
                o.SendsPerSecond = 1000;
                o.SendBurst = 1000;
                o.RestWriteBurst = 100_000;
                transports?.Invoke(o);
            });
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        services?.Invoke(builder.Services); // Last: a test may wrap what the engine registered.

        builder.Services.AddOpenApi();
        builder.Services.AddAuthentication("Chat")
            .AddPolicyScheme("Chat", "Bearer or cookie", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.Ordinal)
                    ? JwtBearerDefaults.AuthenticationScheme
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    IssuerSigningKey = _key,
                    ValidIssuer = "tests",
                    ValidAudience = "tests",
                    NameClaimType = "name",
                };
            })
            .AddCookie(o => o.Events.OnRedirectToLogin = context =>
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            });
        builder.Services.AddAuthorization();

        _app = builder.Build();
        _app.UseAuthentication();
        _app.UseAuthorization();
        _app.MapOpenApi();
        _app.MapChatEndpoints();
        // Test-only sign-in for cookie sessions (the reference host has real account pages).
        // As an app whose user ids are not numbers (Identity's default GUID strings) signs people in.
        _app.MapPost("/test/cookie-named/{name}", async (HttpContext context, string name) =>
        {
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, name), new Claim(ClaimTypes.Email, $"{name}@example.com")], CookieAuthenticationDefaults.AuthenticationScheme);
            await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        });
        _app.MapPost("/test/cookie/{id:long}", async (HttpContext context, long id) =>
        {
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, id.ToString(System.Globalization.CultureInfo.InvariantCulture))], CookieAuthenticationDefaults.AuthenticationScheme);
            await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        });
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Where the server keeps attachments (unless the test named another store).</summary>
    public string AttachmentFolder => Path.Combine(_folder, "attachments");

    /// <summary>What the server logged (at Warning and above unless the test asked for more).</summary>
    public LogCapture Logs { get; } = new();

    public IServiceProvider Services => _app.Services;

    public static async Task<ChatServer> StartAsync(
        Action<ChatTransportOptions>? transports = null, LogLevel logLevel = LogLevel.Warning, TimeProvider? time = null, Action<ChatEngineBuilder>? engine = null,
        Action<IServiceCollection>? services = null)
    {
        var server = new ChatServer(transports, logLevel, time, engine, services);
        await server._app.StartAsync();
        var address = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address);
        return server;
    }

    public Task StopAsync() => _app.StopAsync();

    public string TokenFor(long userId, TimeSpan? lifetime = null)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "tests",
            Audience = "tests",
            Claims = new Dictionary<string, object> { ["sub"] = userId.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            NotBefore = now.AddMinutes(-20),
            IssuedAt = now.AddMinutes(-20),
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(10)),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
    }

    public HttpClient Client(long? userId = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (userId is { } id)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(id));
        }

        return client;
    }

    public async Task<ChatSocketClient> ConnectAsync(long userId, long chatId, long? after = null, string path = "chat", int? receiveBufferBytes = null, string? query = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {TokenFor(userId)}");
        query ??= after is null ? "" : $"?after={after}";
        var uri = WebSocketUri($"/ws/{path}/{chatId}/{query}");
        if (receiveBufferBytes is { } size)
        {
            // A small kernel receive buffer makes a client that stops reading stall quickly.
            using var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (context, cancellationToken) =>
                {
                    var raw = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = size };
                    await raw.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(raw, ownsSocket: true);
                },
            };
            await socket.ConnectAsync(uri, new HttpMessageInvoker(handler, disposeHandler: false), CancellationToken.None);
        }
        else
        {
            await socket.ConnectAsync(uri, CancellationToken.None);
        }

        return new ChatSocketClient(socket);
    }

    /// <summary>Opens the user's stream, <c>ws/user/</c>, from a cursor or without one.</summary>
    public async Task<ChatSocketClient> ConnectUserAsync(long userId, string? since = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {TokenFor(userId)}");
        await socket.ConnectAsync(WebSocketUri(since is null ? "/ws/user/" : $"/ws/user/?since={since}"), CancellationToken.None);
        return new ChatSocketClient(socket);
    }

    /// <summary>Starts (or finds) the private chat of two users through the REST API.</summary>
    public async Task<long> StartChatAsync(long userId, string otherUserName)
    {
        using var client = Client(userId);
        using var response = await client.PostAsJsonAsync("/chat/", new { username_input = otherUserName });
        response.EnsureSuccessStatusCode();
        return (long)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    /// <summary>Creates a group named Team through the REST API.</summary>
    public async Task<long> CreateGroupAsync(long ownerId, params string[] members)
    {
        using var client = Client(ownerId);
        using var response = await client.PostAsJsonAsync("/group/", new { name = "Team", members });
        response.EnsureSuccessStatusCode();
        return (long)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    /// <summary>The one outbox delivery of <paramref name="kind"/> that meets <paramref name="condition"/>, once there is one (within 20 s).</summary>
    public async Task<OutboxMessage> OutboxDeliveryAsync(string kind, Func<OutboxMessage, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            await using (var scope = Services.CreateAsyncScope())
            {
                var deliveries = await scope.ServiceProvider.GetRequiredService<IChatOutboxStore>().GetRecentAsync(kind, 10, CancellationToken.None);
                if (deliveries.SingleOrDefault(condition) is { } found)
                {
                    return found;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"No {kind} delivery got there within 20 s.");
            await Task.Delay(50);
        }
    }

    /// <summary>A cookie session for the user, as the Cookie header a browser would send.</summary>
    public async Task<string> CookieForAsync(long userId)
    {
        using var client = Client();
        using var response = await client.PostAsync($"/test/cookie/{userId}", null);
        response.EnsureSuccessStatusCode();
        return string.Join("; ", response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
    }

    /// <summary>A client that sends exactly the headers a test gives it (no cookie jar of its own).</summary>
    public HttpClient RawClient() => new(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = BaseAddress };

    public Uri WebSocketUri(string pathAndQuery) => new($"ws://{BaseAddress.Authority}{pathAndQuery}");

    public async Task<HubConnection> ConnectHubAsync(long userId)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(BaseAddress, ChatEndpointPaths.Hub), o => o.AccessTokenProvider = () => Task.FromResult<string?>(TokenFor(userId)))
            .Build();
        await hub.StartAsync();
        return hub;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>Test fixture: one server for the whole class (tests use their own chats).</summary>
public sealed class ChatServerFixture : IAsyncLifetime
{
    public ChatServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await ChatServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
