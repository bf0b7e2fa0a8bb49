using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ChatEngine.LoadTest;

/// <summary>Two new users and the private chat between them, over the public contract: the set-up of the runs that need one chat only.</summary>
internal static class OnePrivateChat
{
    /// <summary>Registers a user and a peer, signs the user in on <paramref name="http"/> (Bearer) and starts their chat; returns the token and the chat.</summary>
    public static async Task<(string Token, long ChatId)> StartAsync(HttpClient http, string prefix)
    {
        var name = $"{prefix}{Guid.NewGuid():N}"[..16];
        var peer = $"peer{Guid.NewGuid():N}"[..16];
        foreach (var user in new[] { name, peer })
        {
            (await http.PostAsJsonAsync("/user/register/", new { username = user, password = "LoadTest-1!" })).EnsureSuccessStatusCode();
        }

        var token = (string)(await (await http.PostAsJsonAsync("/api/token/", new { username = name, password = "LoadTest-1!" })).Content.ReadFromJsonAsync<JsonObject>())!["access"]!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var chatId = (long)(await (await http.PostAsJsonAsync("/chat/", new { username = peer })).Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        return (token, chatId);
    }
}
