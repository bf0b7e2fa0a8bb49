using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit;
using static ChatEngine.AspNetCore.Tests.HubEvents;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

public sealed class SignalRTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private ChatServer Server => fixture.Server;

    [Fact]
    public async Task RawWebSocketAndSignalR_SeeEachOthersMessages()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        await using var bobHub = await Server.ConnectHubAsync(Bob);
        var bobEvents = Record(bobHub, "message");
        await bobHub.InvokeAsync<List<JsonElement>>("JoinChat", chatId, null);
        using var alice = await Server.ConnectAsync(Alice, chatId);

        await alice.SendAsync(new { type = "message", text = "from the socket" });
        var atHub = await bobEvents.Reader.ReadAsync(Timeout());
        var sent = await bobHub.InvokeAsync<JsonElement>("SendMessage", chatId, "from the hub", "hub-1");
        var atSocket = await alice.ReceiveAsync("message");
        while ((string?)atSocket["text"] != "from the hub")
        {
            atSocket = await alice.ReceiveAsync("message");
        }

        Assert.Equal("from the socket", atHub.GetProperty("text").GetString());
        Assert.Equal("alice", atHub.GetProperty("sender_username").GetString());
        Assert.Equal(sent.GetProperty("id").GetInt64(), (long)atSocket["id"]!);
        Assert.Equal("bob", (string?)atSocket["sender_username"]);
        Assert.Equal("hub-1", (string?)atSocket["client_id"]);
    }

    [Fact]
    public async Task NonMember_IsRefusedOnEveryHubCall()
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        await using var eve = await Server.ConnectHubAsync(Eve);

        var join = await Assert.ThrowsAsync<HubException>(() => eve.InvokeAsync<List<JsonElement>>("JoinChat", chatId, null));
        var send = await Assert.ThrowsAsync<HubException>(() => eve.InvokeAsync<JsonElement>("SendMessage", chatId, "let me in", null));
        var typing = await Assert.ThrowsAsync<HubException>(() => eve.InvokeAsync("Typing", chatId));

        Assert.Contains("chat_not_found", join.Message, StringComparison.Ordinal);
        Assert.Contains("chat_not_found", send.Message, StringComparison.Ordinal);
        Assert.Contains("chat_not_found", typing.Message, StringComparison.Ordinal);
        var history = await Server.Client(Alice).GetFromJsonAsync<JsonObject>($"/chat/{chatId}");
        Assert.DoesNotContain(history!["messages"]!.AsArray(), m => (string?)m!["text"] == "let me in");
    }

    [Fact]
    public async Task Hub_WithoutAToken_IsRefused()
    {
        var hub = new HubConnectionBuilder().WithUrl(new Uri(Server.BaseAddress, ChatEndpointPaths.Hub)).Build();
        await Assert.ThrowsAnyAsync<Exception>(() => hub.StartAsync());
        await hub.DisposeAsync();
    }

    [Fact]
    public async Task JoinChat_WithAfter_ReturnsTheMissedMessages_AndBadTextIsAHubError()
    {
        using var carol = Server.Client(Carol);
        using var created = await carol.PostAsJsonAsync("/group/", new { name = "Hub team", members = new[] { "dave" } });
        var groupId = (long)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await using var carolHub = await Server.ConnectHubAsync(Carol);
        await carolHub.InvokeAsync<List<JsonElement>>("JoinChat", groupId, null);
        var first = await carolHub.InvokeAsync<JsonElement>("SendMessage", groupId, "one", null);
        await carolHub.InvokeAsync<JsonElement>("SendMessage", groupId, "two", null);
        await carolHub.InvokeAsync<JsonElement>("SendMessage", groupId, "three", null);

        await using var daveHub = await Server.ConnectHubAsync(Dave);
        var missed = await daveHub.InvokeAsync<List<JsonElement>>("JoinChat", groupId, first.GetProperty("id").GetInt64());
        var empty = await Assert.ThrowsAsync<HubException>(() => daveHub.InvokeAsync<JsonElement>("SendMessage", groupId, "   ", null));

        Assert.Equal(["two", "three"], missed.Select(m => m.GetProperty("text").GetString()));
        Assert.Contains("empty_text", empty.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Presence_CountsConnectionsAcrossBothTransports()
    {
        var chatId = await Server.StartChatAsync(Carol, "eve");
        using var carol = await Server.ConnectAsync(Carol, chatId);
        var eveHub = await Server.ConnectHubAsync(Eve);
        var eveSocket = await Server.ConnectAsync(Eve, chatId);

        await eveHub.DisposeAsync();
        var stillOnline = await Server.Client(Carol).GetFromJsonAsync<JsonObject>($"/chat/{chatId}");
        await eveSocket.Socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        eveSocket.Dispose();

        JsonObject status;
        do
        {
            status = await carol.ReceiveAsync("status");
        }
        while ((string?)status["username"] != "eve" || (bool)status["is_online"]!);

        Assert.True((bool)stillOnline!["is_online"]!);
        Assert.NotNull((string?)status["lastseen"]);
    }

    [Fact]
    public async Task ReadAndTyping_ReachHubClients()
    {
        var chatId = await Server.StartChatAsync(Alice, "dave");
        await using var aliceHub = await Server.ConnectHubAsync(Alice);
        var reads = Record(aliceHub, "read");
        var typings = Record(aliceHub, "typing");
        await aliceHub.InvokeAsync<List<JsonElement>>("JoinChat", chatId, null);
        var message = await aliceHub.InvokeAsync<JsonElement>("SendMessage", chatId, "ping", null);
        using var dave = await Server.ConnectAsync(Dave, chatId);

        await dave.SendAsync(new { type = "read", up_to = message.GetProperty("id").GetInt64() });
        await dave.SendAsync(new { type = "typing" });

        Assert.Equal("dave", (await reads.Reader.ReadAsync(Timeout())).GetProperty("username").GetString());
        Assert.Equal("dave", (await typings.Reader.ReadAsync(Timeout())).GetProperty("username").GetString());
    }
}
