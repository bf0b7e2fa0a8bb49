using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using Xunit;

namespace ChatEngine.ReferenceHost.Tests;

/// <summary>
/// A socket keeps its request's principal for as long as it is open, so the principal of an access
/// token carries the user's id and name, and nothing of the parsed token.
/// </summary>
public sealed class AccessTokenPrincipalTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<ClaimsPrincipal> _seen = new();
    private readonly ReferenceHostFactory _host;

    public AccessTokenPrincipalTests() =>
        _host = new ReferenceHostFactory { TestServices = services => services.AddSingleton<IClaimsTransformation>(new Recorder(_seen)) };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task AnAccessToken_AuthenticatesRestAndSockets_AsItsUser_WithoutKeepingTheToken()
    {
        var name = $"slim{Guid.NewGuid():N}"[..16];
        var peer = $"peer{Guid.NewGuid():N}"[..16];
        using var client = _host.NewClient();
        foreach (var user in new[] { name, peer })
        {
            (await client.PostAsJsonAsync("/user/register/", new { username = user, password = "Passw0rd!" })).EnsureSuccessStatusCode();
        }

        using var tokens = await client.PostAsJsonAsync("/api/token/", new { username = name, password = "Passw0rd!" });
        var access = (string)(await tokens.Content.ReadFromJsonAsync<JsonObject>())!["access"]!;
        var userId = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(access).Subject;
        using var api = _host.NewClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", access);
        using var started = await api.PostAsJsonAsync("/chat/", new { username = peer });
        var chatId = (long)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        _seen.Clear();

        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{_host.BaseAddress.Authority}/ws/chat/{chatId}/?access_token={access}"), CancellationToken.None);
        using var list = await api.GetAsync("/chat/");

        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        Assert.Equal(WebSocketState.Open, socket.State);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var bearers = _seen.Where(p => p.Identity?.IsAuthenticated == true && p.FindFirst("sub") is not null).ToList();
        Assert.NotEmpty(bearers);
        Assert.All(bearers, principal =>
        {
            Assert.Equal(name, principal.Identity!.Name);
            Assert.Equal([("sub", userId), ("unique_name", name)], principal.Claims.Select(c => (c.Type, c.Value)).OrderBy(c => c.Type));
            Assert.DoesNotContain(principal.Identities, identity => identity is CaseSensitiveClaimsIdentity { SecurityToken: not null });
        });
    }

    /// <summary>Sees every principal the host authenticates, as the last step of authentication.</summary>
    private sealed class Recorder(ConcurrentQueue<ClaimsPrincipal> seen) : IClaimsTransformation
    {
        public Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
        {
            seen.Enqueue(principal);
            return Task.FromResult(principal);
        }
    }
}
