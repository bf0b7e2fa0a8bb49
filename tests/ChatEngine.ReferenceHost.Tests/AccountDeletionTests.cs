using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using ReferenceHost.Accounts;
using Xunit;

namespace ChatEngine.ReferenceHost.Tests;

/// <summary>The reference host's account deletion: <c>DELETE /me</c> (password first) and the account page's form; and the data download.</summary>
public sealed partial class AccountDeletionTests(ReferenceHostFactory host) : IClassFixture<ReferenceHostFactory>
{
    [Fact]
    public async Task DeleteMe_NeedsThePassword_ThenErasesTheChatData_AndTheAccountIsGone()
    {
        var name = await RegisterAsync("del");
        var peer = await RegisterAsync("peer");
        using var api = await BearerAsync(name);
        using var peerApi = await BearerAsync(peer);
        using var created = await api.PostAsJsonAsync("/group/", new { name = "Club", members = new[] { peer } });
        var groupId = (long)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        (await api.PostAsJsonAsync($"/chat/{groupId}/messages", new { text = "goodbye soon" })).EnsureSuccessStatusCode();

        using var unconfirmed = await DeleteMeAsync(api, new { password = "Passw0rd!" });
        Assert.Equal("confirmation_required", await CodeAsync(unconfirmed));
        using var wrong = await DeleteMeAsync(api, new { confirm = name, password = "nope" });
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_password"), (wrong.StatusCode, await CodeAsync(wrong)));
        using var deleted = await DeleteMeAsync(api, new { confirm = name, password = "Passw0rd!" });
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);

        using var login = await host.NewClient().PostAsJsonAsync("/api/token/", new { username = name, password = "Passw0rd!" });
        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);

        // The account's access token is refused, also once the host has read the ended sign-ins (which no longer hold its row).
        await host.Services.GetRequiredService<EndedSignIns>().RefreshAsync(CancellationToken.None);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/chat/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.PostAsJsonAsync("/chat/", new { username = peer })).StatusCode);
        var page = (await peerApi.GetFromJsonAsync<JsonObject>($"/group/{groupId}?mark_read=false"))!;
        var message = Assert.Single(page["messages"]!.AsArray())!;
        Assert.Equal(("Deleted user", true), ((string?)message["sendername"], (bool)message["deleted"]!));
        Assert.Equal([peer], page["members"]!.AsArray().Select(m => (string?)m));
        Assert.Equal(peer, (string?)page["owner"]); // Ownership passed on as on leave.
    }

    [Fact]
    public async Task TheAccountPage_OffersTheDownload_AndDeletesTheAccountByItsForm()
    {
        var name = await RegisterAsync("page");
        using var browser = host.NewClient();
        using var anonymous = await browser.GetAsync("/user/account/");
        Assert.Equal("/user/login/", anonymous.Headers.Location?.OriginalString);
        await browser.PostAsJsonAsync("/user/login/", new { username = name, password = "Passw0rd!" });

        var html = await browser.GetStringAsync("/user/account/");
        Assert.Contains("href=\"/me/export\"", html, StringComparison.Ordinal);
        using var export = await browser.GetAsync("/me/export");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal(name, (string?)JsonNode.Parse(await export.Content.ReadAsStringAsync())!["user"]!["username"]);

        var token = System.Net.WebUtility.HtmlDecode(FormToken().Match(html).Groups[1].Value);
        using var unconfirmed = await browser.PostAsync("/user/delete/", Form(token, "Passw0rd!", "someone else"));
        Assert.Equal("/user/account/?error=confirm_deletion", unconfirmed.Headers.Location?.OriginalString);
        using var forged = await browser.PostAsync("/user/delete/", Form("forged", "Passw0rd!", name));
        Assert.Equal("/user/account/?error=expired", forged.Headers.Location?.OriginalString);
        using var done = await browser.PostAsync("/user/delete/", Form(token, "Passw0rd!", name));
        Assert.Equal("/user/login/?error=deleted", done.Headers.Location?.OriginalString);
        Assert.Contains("Your account and your chat data were deleted.", await browser.GetStringAsync("/user/login/?error=deleted"), StringComparison.Ordinal);
        using var login = await host.NewClient().PostAsJsonAsync("/user/login/", new { username = name, password = "Passw0rd!" });
        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
    }

    private static FormUrlEncodedContent Form(string token, string password, string confirm) =>
        new(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["password"] = password, ["confirm"] = confirm });

    private static async Task<HttpResponseMessage> DeleteMeAsync(HttpClient client, object body) =>
        await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/me") { Content = JsonContent.Create(body) });

    private static async Task<string?> CodeAsync(HttpResponseMessage response) => (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["code"];

    private async Task<string> RegisterAsync(string prefix)
    {
        var name = $"{prefix}{Guid.NewGuid():N}"[..20];
        using var response = await host.NewClient().PostAsJsonAsync("/user/register/", new { username = name, password = "Passw0rd!" });
        response.EnsureSuccessStatusCode();
        return name;
    }

    private async Task<HttpClient> BearerAsync(string name)
    {
        using var response = await host.NewClient().PostAsJsonAsync("/api/token/", new { username = name, password = "Passw0rd!" });
        response.EnsureSuccessStatusCode();
        var client = host.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["access"]!);
        return client;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();
}
