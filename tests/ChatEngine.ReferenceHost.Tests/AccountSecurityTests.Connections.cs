using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using ChatEngine.AspNetCore;
using ChatEngine.ReferenceHost.Tests.ScaleOut;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit;
using static ChatEngine.ReferenceHost.Tests.TestAccounts;

namespace ChatEngine.ReferenceHost.Tests;

/// <summary>
/// A live connection is authenticated once, when it opens: ending an account's sign-ins must close
/// the ones already open, and an access token that has not yet expired must open no new one, nor
/// be taken by the API.
/// </summary>
public sealed partial class AccountSecurityTests
{
    [Theory]
    [InlineData("everywhere")]
    [InlineData("password")]
    public async Task EndingSignIns_ClosesTheAccountsLiveConnections_AndItsAccessTokensAreRefused(string how)
    {
        var name = Unique("live");
        var other = Unique("peer");
        using var laptop = sharedHost.NewClient();
        await RegisterAsync(laptop, name);
        await RegisterAsync(sharedHost.NewClient(), other);
        var access = (string)(await TokensAsync(sharedHost, name))["access"]!;
        using var phone = ScaleOutCluster.Api(sharedHost, access);
        using var started = await phone.PostAsJsonAsync("/chat/", new { username = other });
        var chatId = (long)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await using var socket = await LiveSocket.ConnectAsync(sharedHost.BaseAddress, chatId, access);
        await using var hub = Hub(access);
        var hubClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += _ =>
        {
            hubClosed.TrySetResult();
            return Task.CompletedTask;
        };
        await hub.StartAsync();

        using var ended = how == "everywhere"
            ? await PostWithAntiforgeryAsync(laptop, "/user/logout/", new { everywhere = true })
            : await PostWithAntiforgeryAsync(laptop, "/user/password/", new { old_password = Password, new_password = "a brand new secret" });
        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);

        Assert.Equal("Signed out", await socket.ClosedAsync());
        await hubClosed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => LiveSocket.ConnectAsync(sharedHost.BaseAddress, chatId, access));
        Assert.Equal(WebSocketError.NotAWebSocket, refused.WebSocketErrorCode); // The upgrade was answered 401.
        await using var hubAgain = Hub(access);
        var negotiation = await Assert.ThrowsAsync<HttpRequestException>(() => hubAgain.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, negotiation.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.GetAsync("/chat/")).StatusCode); // Nor reads on until it expires.

        // Signing in again opens connections as before.
        using var login = await sharedHost.NewClient().PostAsJsonAsync("/api/token/", new { username = name, password = how == "everywhere" ? Password : "a brand new secret" });
        var fresh = (string)(await login.Content.ReadFromJsonAsync<JsonObject>())!["access"]!;
        using var phoneAgain = ScaleOutCluster.Api(sharedHost, fresh);
        Assert.Equal(HttpStatusCode.OK, (await phoneAgain.GetAsync("/chat/")).StatusCode);
        await using var reopened = await LiveSocket.ConnectAsync(sharedHost.BaseAddress, chatId, fresh);
        await reopened.SendMessageAsync("back");
        Assert.Equal("back", (string?)(await reopened.NextAsync("message"))["text"]);
    }

    [Fact]
    public async Task ALockedAccountsAccessToken_OpensNoConnection()
    {
        var name = Unique("lock");
        await RegisterAsync(sharedHost.NewClient(), name);
        var access = (string)(await TokensAsync(sharedHost, name))["access"]!;
        await using (var before = Hub(access))
        {
            await before.StartAsync();
        }

        await SetLockoutAsync(sharedHost, name, DateTimeOffset.MaxValue);
        await using var after = Hub(access);

        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<HttpRequestException>(() => after.StartAsync())).StatusCode);
    }

    private HubConnection Hub(string access) => new HubConnectionBuilder()
        .WithUrl(new Uri(sharedHost.BaseAddress, ChatEndpointPaths.Hub), o => o.AccessTokenProvider = () => Task.FromResult<string?>(access))
        .Build();
}
