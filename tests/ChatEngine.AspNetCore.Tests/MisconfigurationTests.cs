using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>An app that signs people in with ids ChatEngine cannot read hears about it, loudly and once.</summary>
public sealed class MisconfigurationTests
{
    [Fact]
    public async Task ASignedInUserWithNoChatUserId_Gets403WithACode_NeverA401OrALoginRedirect_AndTheAppLogsItOnce()
    {
        await using var server = await ChatServer.StartAsync();
        using var signIn = await server.Client().PostAsync("/test/cookie-named/5f0e8c2a-guid", null);
        var cookie = string.Join("; ", signIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        var chatId = await server.StartChatAsync(Alice, "bob");
        using var client = server.RawClient();

        foreach (var path in new[] { "/chat/", "/home/", $"/chat-web/{chatId}", "/chat/" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("Cookie", cookie);
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal(ChatErrorCodes.ChatUserUnresolved, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["code"]);
        }

        using var socket = new ClientWebSocket { Options = { CollectHttpResponseDetails = true } };
        socket.Options.SetRequestHeader("Cookie", cookie);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(server.WebSocketUri($"/ws/chat/{chatId}/"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);

        var warning = Assert.Single(server.Logs.Entries, e => e.Message.Contains("chat_user_unresolved", StringComparison.Ordinal));
        Assert.Contains("UserIdResolver", warning.Message, StringComparison.Ordinal);
        Assert.Contains(System.Security.Claims.ClaimTypes.Email, warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("5f0e8c2a", warning.Message, StringComparison.Ordinal); // claim types, never values

        // Anonymous callers still get 401.
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client().GetAsync("/chat/")).StatusCode);
    }

    [Fact]
    public async Task ThePages_UseTheAppsOwnSignInAndSignOutPaths()
    {
        await using var server = await ChatServer.StartAsync();
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        using var redirected = await anonymous.GetAsync("/home/");

        var cookie = await server.CookieForAsync(Alice);
        using var client = server.RawClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/home/");
        request.Headers.Add("Cookie", cookie);
        using var home = await client.SendAsync(request);

        // This app's cookie authentication keeps ASP.NET Core's defaults.
        Assert.Equal("/Account/Login", redirected.Headers.Location?.OriginalString);
        Assert.Contains("action=\"/Account/Logout\"", await home.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
