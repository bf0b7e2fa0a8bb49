using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using System.Net.Http.Json;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>The chat pages take the app's name, a link home, its stylesheets and its layout.</summary>
public sealed class PageFitTests
{
    [Fact]
    public async Task ThePages_RenderInsideTheAppsLayout_WithItsBrandHomeLinkAndStyles()
    {
        await using var server = await ChatServer.StartAsync(transports: o =>
        {
            o.Pages.Brand = "Acme Chat";
            o.Pages.HomeLink = "/dashboard";
            o.Pages.HomeLinkText = "Back to Acme";
            o.Pages.Stylesheets.Add("/css/acme.css");
            o.Pages.Layout = typeof(AcmeLayout);
        });
        var chatId = await server.StartChatAsync(Alice, "bob");

        foreach (var path in new[] { "/home/", $"/chat-web/{chatId}" })
        {
            var html = await GetPageAsync(server, path);

            Assert.Contains("<nav id=\"acme-nav\">Acme navigation</nav>", html, StringComparison.Ordinal);
            Assert.Contains("· Acme Chat</title>", html, StringComparison.Ordinal);
            Assert.Contains(">Acme Chat</a>", html, StringComparison.Ordinal);
            Assert.Contains("<a class=\"ce-home-link\" href=\"/dashboard\">Back to Acme</a>", html, StringComparison.Ordinal);
            Assert.Contains("<link rel=\"stylesheet\" href=\"/css/acme.css\" />", html, StringComparison.Ordinal);
            // The page is the layout's body: between the layout's navigation and its footer.
            Assert.InRange(html.IndexOf("ce-top", StringComparison.Ordinal), html.IndexOf("acme-nav", StringComparison.Ordinal), html.IndexOf("acme-footer", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task TheManifest_NamesTheApp_AndThePagesLinkIt()
    {
        await using var server = await ChatServer.StartAsync(transports: o => o.Pages.Brand = "Acme Chat");
        using var client = server.RawClient();

        using var response = await client.GetAsync("/manifest.webmanifest");
        var manifest = await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>();

        Assert.Equal("application/manifest+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(("Acme Chat", "/home/", "standalone"), ((string?)manifest!["name"], (string?)manifest["start_url"], (string?)manifest["display"]));
        // The icon is one of the package's static web assets (the package tests fetch it from a published app).
        Assert.Equal("/_content/ChatEngine.AspNetCore/chatengine-icon.svg", (string?)manifest["icons"]![0]!["src"]);
        Assert.Contains("rel=\"manifest\" href=\"/manifest.webmanifest\"", await GetPageAsync(server, "/home/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ByDefault_ThePagesStandAlone_WithoutAHomeLink()
    {
        await using var server = await ChatServer.StartAsync();

        var html = await GetPageAsync(server, "/home/");

        Assert.Contains("<title>Chats · ChatEngine</title>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("ce-home-link", html, StringComparison.Ordinal);
    }

    [Fact]
    public void ALayoutThatIsNoLayoutComponent_StopsStartUp()
    {
        var validator = new ChatTransportOptionsValidator();
        var options = new ChatTransportOptions { Pages = { Layout = typeof(string) } };

        var result = validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("LayoutComponentBase", result.FailureMessage, StringComparison.Ordinal);
    }

    private static async Task<string> GetPageAsync(ChatServer server, string path)
    {
        using var client = server.RawClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", await server.CookieForAsync(Alice));
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }
}

/// <summary>An app's layout component, as a Blazor app's MainLayout.</summary>
public sealed class AcmeLayout : LayoutComponentBase
{
    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        builder.AddMarkupContent(0, "<nav id=\"acme-nav\">Acme navigation</nav>");
        builder.AddContent(1, Body);
        builder.AddMarkupContent(2, "<footer id=\"acme-footer\">Acme</footer>");
    }
}
