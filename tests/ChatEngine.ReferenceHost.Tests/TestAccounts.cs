using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ChatEngine.ReferenceHost.Tests;

/// <summary>The account steps the host's tests share: a name no other test has, an account, its tokens, a page form's anti-forgery token.</summary>
internal static partial class TestAccounts
{
    public const string Password = "Passw0rd!";

    public static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..20];

    /// <summary>Registers <paramref name="name"/> with <see cref="Password"/>; the client keeps the session.</summary>
    public static async Task RegisterAsync(HttpClient client, string name)
    {
        using var response = await client.PostAsJsonAsync("/user/register/", new { username = name, password = Password });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>An access and refresh token pair for <paramref name="name"/>.</summary>
    public static async Task<JsonObject> TokensAsync(ReferenceHostFactory host, string name)
    {
        using var response = await host.NewClient().PostAsJsonAsync("/api/token/", new { username = name, password = Password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    /// <summary>The anti-forgery token a page's forms carry.</summary>
    public static string FormToken(string page) => WebUtility.HtmlDecode(FormTokenField().Match(page).Groups[1].Value);

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex FormTokenField();
}
