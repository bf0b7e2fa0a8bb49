using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace ChatEngine.ReferenceHost.Tests;

/// <summary>
/// Input an attacker chooses (U+0000, other controls, names longer than any column) gets a clear
/// 4xx on every route and frame, never a 5xx, on both databases: PostgreSQL refuses U+0000 in text
/// and over-long values for sized columns outright, so nothing of the kind may reach it.
/// </summary>
public abstract class HostileInputTests
{
    private const string Password = "Passw0rd!";
    private static readonly string Nul = "a\0b";
    private static readonly string TooLong = new('x', 300);

    protected abstract ReferenceHostFactory Host { get; }

    [Fact]
    public async Task EveryRoute_AnswersHostileTextWithA4xx_NeverA5xx()
    {
        var (alice, aliceToken) = await UserAsync("ha");
        var (bob, _) = await UserAsync("hb");
        using var api = Api(aliceToken);
        using var created = await api.PostAsJsonAsync("/group/", new { name = "Hostile", members = new[] { bob } });
        var groupId = (long)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;

        var answers = new Dictionary<string, HttpStatusCode>
        {
            ["search nul"] = await StatusAsync(api.GetAsync("/search/?q=" + Uri.EscapeDataString(Nul))),
            ["search long"] = await StatusAsync(api.GetAsync("/search/?q=" + TooLong)),
            ["group name nul"] = await StatusAsync(api.PostAsJsonAsync("/group/", new { name = Nul, members = Array.Empty<string>() })),
            ["group name bidi"] = await StatusAsync(api.PostAsJsonAsync("/group/", new { name = "admins\u202E", members = Array.Empty<string>() })),
            ["group members nul"] = await StatusAsync(api.PostAsJsonAsync("/group/", new { name = "ok", members = new[] { Nul } })),
            ["group members long"] = await StatusAsync(api.PostAsJsonAsync("/group/", new { name = "ok", members = new[] { TooLong } })),
            ["rename nul"] = await StatusAsync(api.PatchAsJsonAsync($"/group/{groupId}", new { name = Nul })),
            ["add members nul"] = await StatusAsync(api.PostAsJsonAsync($"/group/{groupId}/members", new { usernames = new[] { Nul, TooLong } })),
            ["remove member nul"] = await StatusAsync(api.DeleteAsync($"/group/{groupId}/members/{Uri.EscapeDataString(Nul)}")),
            ["remove member long"] = await StatusAsync(api.DeleteAsync($"/group/{groupId}/members/{TooLong}")),
            ["promote nul"] = await StatusAsync(api.PostAsJsonAsync($"/group/{groupId}/admins", new { username_input = Nul })),
            ["join code nul"] = await StatusAsync(api.PostAsJsonAsync("/group-join/", new { code = Nul })),
            ["join code long"] = await StatusAsync(api.PostAsJsonAsync("/group-join/", new { code = TooLong })),
            ["private chat nul"] = await StatusAsync(api.PostAsJsonAsync("/chat/", new { username_input = Nul })),
            ["private chat long"] = await StatusAsync(api.PostAsJsonAsync("/chat/", new { username_input = TooLong })),
            ["register nul"] = await StatusAsync(Host.NewClient().PostAsJsonAsync("/user/register/", new { username = Nul, password = Password })),
            ["register long"] = await StatusAsync(Host.NewClient().PostAsJsonAsync("/user/register/", new { username = TooLong, password = Password })),
            ["register first name nul"] = await StatusAsync(Host.NewClient().PostAsJsonAsync("/user/register/", new { username = Unique("fn"), password = Password, firstName = Nul })),
            ["login nul"] = await StatusAsync(Host.NewClient().PostAsJsonAsync("/user/login/", new { username = Nul, password = Password })),
            ["login long"] = await StatusAsync(Host.NewClient().PostAsJsonAsync("/user/login/", new { username = TooLong, password = Password })),
            ["token nul"] = await StatusAsync(Host.NewClient().PostAsJsonAsync("/api/token/", new { username = Nul, password = Nul })),
            ["refresh nul"] = await StatusAsync(Host.NewClient().PostAsJsonAsync("/api/token/refresh/", new { refresh = Nul })),
        };

        // A search term longer than any user name finds nobody: a plain empty answer.
        Assert.Equal(HttpStatusCode.OK, answers["search long"]);
        Assert.All(answers.Where(a => a.Key != "search long"), answer => Assert.True((int)answer.Value is >= 400 and < 500, $"{answer.Key}: {answer.Value}"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(api.GetAsync($"/group/{groupId}")));
        Assert.NotNull(alice);
    }

    [Fact]
    public async Task AMessageWithANulCharacter_GetsAnErrorFrame_AndTheSocketAndEveryoneElseCarryOn()
    {
        var (_, aliceToken) = await UserAsync("ma");
        var (bob, bobToken) = await UserAsync("mb");
        using var api = Api(aliceToken);
        using var created = await api.PostAsJsonAsync("/group/", new { name = "Frames", members = new[] { bob } });
        var groupId = (long)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        using var alice = await SocketAsync(aliceToken, groupId);
        using var bobSocket = await SocketAsync(bobToken, groupId);

        await SendAsync(alice, """{"type":"message","text":"poison \u0000 here","client_id":"p-1"}""");
        await SendAsync(bobSocket, """{"type":"message","text":"bob is fine"}""");
        await SendAsync(alice, """{"type":"message","text":"alice is fine"}""");

        var seen = new HashSet<string?>();
        var aliceFrames = await ReceiveUntilAsync(alice, f => seen.Add((string?)f["text"]) && seen.IsSupersetOf(["bob is fine", "alice is fine"]));
        Assert.True(aliceFrames.Any(f => (string?)f["type"] == "error" && (string?)f["code"] == "invalid_text"), string.Join("\n", aliceFrames.Select(f => f.ToJsonString())));
        Assert.Contains(aliceFrames, f => (string?)f["text"] == "bob is fine");
        using var history = await api.GetAsync($"/group/{groupId}");
        var texts = (await history.Content.ReadFromJsonAsync<JsonObject>())!["messages"]!.AsArray().Select(m => (string)m!["text"]!).ToArray();
        Assert.Equal(["alice is fine", "bob is fine"], texts.Order());
    }

    private async Task<(string Name, string Token)> UserAsync(string prefix)
    {
        var name = Unique(prefix);
        using var registered = await Host.NewClient().PostAsJsonAsync("/user/register/", new { username = name, password = Password });
        registered.EnsureSuccessStatusCode();
        using var token = await Host.NewClient().PostAsJsonAsync("/api/token/", new { username = name, password = Password });
        return (name, (string)(await token.Content.ReadFromJsonAsync<JsonObject>())!["access"]!);
    }

    private HttpClient Api(string token)
    {
        var client = Host.NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task<ClientWebSocket> SocketAsync(string token, long chatId)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        await socket.ConnectAsync(new Uri($"ws://{Host.BaseAddress.Authority}/ws/chat/{chatId}/"), CancellationToken.None);
        return socket;
    }

    private static Task SendAsync(ClientWebSocket socket, string json) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    private static async Task<List<JsonObject>> ReceiveUntilAsync(ClientWebSocket socket, Func<JsonObject, bool> last)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var frames = new List<JsonObject>();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            var frame = JsonNode.Parse(buffer.AsSpan(0, result.Count))!.AsObject();
            frames.Add(frame);
            if (last(frame))
            {
                return frames;
            }
        }
    }

    private static async Task<HttpStatusCode> StatusAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        return response.StatusCode;
    }

    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..20];
}

public sealed class SqliteHostileInputTests(ReferenceHostFactory host) : HostileInputTests, IClassFixture<ReferenceHostFactory>
{
    protected override ReferenceHostFactory Host => host;
}

public sealed class PostgreSqlHostileInputTests(PostgreSqlReferenceHost host) : HostileInputTests, IClassFixture<PostgreSqlReferenceHost>
{
    protected override ReferenceHostFactory Host => host.Host;
}
