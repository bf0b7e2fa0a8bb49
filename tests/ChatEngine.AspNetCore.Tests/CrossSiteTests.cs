using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>
/// A cookie rides along on requests other sites' pages make: every cookie-authenticated door checks
/// where the request comes from, decided by the scheme that authenticated it, not by its headers.
/// </summary>
public sealed class CrossSiteTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private const string Evil = "https://evil.example";

    private ChatServer Server => fixture.Server;

    private string OwnOrigin => $"http://{Server.BaseAddress.Authority}";

    [Fact]
    public async Task Hub_WithACookieFromAForeignOrigin_IsRefusedOnEveryTransport()
    {
        var cookie = await Server.CookieForAsync(Alice);

        using var client = Server.RawClient();
        Assert.Equal(HttpStatusCode.Forbidden, await NegotiateAsync(client, cookie, Evil));
        Assert.Equal(HttpStatusCode.OK, await NegotiateAsync(client, cookie, OwnOrigin));

        using var rawHubSocket = new ClientWebSocket { Options = { CollectHttpResponseDetails = true } };
        rawHubSocket.Options.SetRequestHeader("Cookie", cookie);
        rawHubSocket.Options.SetRequestHeader("Origin", Evil);
        await Assert.ThrowsAsync<WebSocketException>(() => rawHubSocket.ConnectAsync(Server.WebSocketUri("/hubs/chat"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, rawHubSocket.HttpStatusCode);

        var chatId = await Server.StartChatAsync(Alice, "bob");
        foreach (var transport in new[] { HttpTransportType.WebSockets, HttpTransportType.LongPolling, HttpTransportType.ServerSentEvents })
        {
            await using var foreign = CookieHub(cookie, Evil, transport);
            await Assert.ThrowsAnyAsync<Exception>(() => foreign.StartAsync());
            Assert.Equal(HubConnectionState.Disconnected, foreign.State);

            // The same cookie from the app's own pages connects and chats.
            await using var own = CookieHub(cookie, OwnOrigin, transport);
            await own.StartAsync();
            Assert.Empty(await own.InvokeAsync<List<JsonElement>>("JoinChat", chatId, null));
        }
    }

    [Fact]
    public async Task CookieRequest_WithANonBearerAuthorizationHeader_StillNeedsTheAntiforgeryTokenAndAnOwnOrigin()
    {
        var cookie = await Server.CookieForAsync(Alice);
        using var client = Server.RawClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/group/") { Content = JsonContent.Create(new { name = "Forged", members = Array.Empty<string>() }) };
        request.Headers.Add("Cookie", cookie);
        request.Headers.TryAddWithoutValidation("Authorization", "Basic Zm9vOmJhcg==");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("antiforgery_failed", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["code"]);

        var chatId = await Server.StartChatAsync(Alice, "bob");
        using var socket = new ClientWebSocket { Options = { CollectHttpResponseDetails = true } };
        socket.Options.SetRequestHeader("Cookie", cookie);
        socket.Options.SetRequestHeader("Authorization", "Basic Zm9vOmJhcg==");
        socket.Options.SetRequestHeader("Origin", Evil);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(Server.WebSocketUri($"/ws/chat/{chatId}/"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);

        await using var hub = CookieHub(cookie, Evil, HttpTransportType.WebSockets, authorization: "Basic Zm9vOmJhcg==");
        await Assert.ThrowsAnyAsync<Exception>(() => hub.StartAsync());
    }

    [Fact]
    public async Task HubRefusals_EndInHubExceptionCodeAndDetail_AndAreNotLoggedAsErrors()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        await using var eve = await Server.ConnectHubAsync(Eve);
        await using var alice = await Server.ConnectHubAsync(Alice);

        var refused = await Assert.ThrowsAsync<HubException>(() => eve.InvokeAsync<JsonElement>("SendMessage", chatId, "let me in", null));
        var empty = await Assert.ThrowsAsync<HubException>(() => alice.InvokeAsync<JsonElement>("SendMessage", chatId, "   ", null));
        var control = await Assert.ThrowsAsync<HubException>(() => alice.InvokeAsync<JsonElement>("SendMessage", chatId, "bell \u0007", null));

        Assert.EndsWith("HubException: chat_not_found: Chat not found.", refused.Message, StringComparison.Ordinal);
        Assert.Matches("HubException: empty_text: .+$", empty.Message);
        Assert.Matches("HubException: invalid_text: .+$", control.Message);
        Assert.DoesNotContain(Server.Logs.Entries, e => e.Level >= LogLevel.Error && (e.Exception is ChatException or HubException));
    }

    [Fact]
    public async Task ChatPages_CarryTheirSecurityHeaders_InAnyApp()
    {
        var cookie = await Server.CookieForAsync(Alice);
        var chatId = await Server.StartChatAsync(Alice, "bob");
        using var client = Server.RawClient();

        foreach (var path in new[] { "/home/", $"/chat-web/{chatId}" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("Cookie", cookie);
            using var page = await client.SendAsync(request);

            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var csp = Assert.Single(page.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", Assert.Single(page.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("same-origin", Assert.Single(page.Headers.GetValues("Referrer-Policy")));
        }
    }

    private static async Task<HttpStatusCode> NegotiateAsync(HttpClient client, string cookie, string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hubs/chat/negotiate?negotiateVersion=1");
        request.Headers.Add("Cookie", cookie);
        request.Headers.Add("Origin", origin);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private HubConnection CookieHub(string cookie, string origin, HttpTransportType transport, string? authorization = null) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(Server.BaseAddress, ChatEndpointPaths.Hub), o =>
            {
                o.Transports = transport;
                o.SkipNegotiation = transport == HttpTransportType.WebSockets;
                foreach (var pair in cookie.Split("; "))
                {
                    var (name, value) = (pair[..pair.IndexOf('=', StringComparison.Ordinal)], pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..]);
                    o.Cookies.Add(Server.BaseAddress, new Cookie(name, value));
                }

                o.Headers["Origin"] = origin;
                if (authorization is not null)
                {
                    o.Headers["Authorization"] = authorization;
                }
            })
            .Build();
}
