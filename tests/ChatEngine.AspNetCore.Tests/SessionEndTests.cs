using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>
/// A host that ends a user's sign-ins (<see cref="PresenceService.EndConnectionsAsync"/>) closes every
/// live connection of theirs: a connection is authenticated once, when it opens, and must not outlive
/// the credentials it was opened with.
/// </summary>
public sealed class SessionEndTests
{
    [Fact]
    public async Task EndingAUsersConnections_ClosesEachOfTheirsOnEveryTransport_AndNobodyElses()
    {
        await using var server = await ChatServer.StartAsync();
        var privateChat = await server.StartChatAsync(Alice, "bob");
        var group = await server.CreateGroupAsync(Alice, "bob");

        using var aliceChat = await server.ConnectAsync(Alice, privateChat);
        using var aliceGroup = await server.ConnectAsync(Alice, group, query: "?v=2");
        using var aliceFiles = await server.ConnectAsync(Alice, privateChat, path: "file");
        using var aliceStream = await server.ConnectUserAsync(Alice);
        await aliceStream.ReceiveAsync("synced");
        await using var aliceHub = await server.ConnectHubAsync(Alice);
        var aliceHubClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        aliceHub.Closed += _ =>
        {
            aliceHubClosed.TrySetResult();
            return Task.CompletedTask;
        };
        await aliceHub.InvokeAsync<List<JsonElement>>("JoinChat", group, null);

        using var bobChat = await server.ConnectAsync(Bob, privateChat);
        await using var bobHub = await server.ConnectHubAsync(Bob);
        var bobHubMessages = HubEvents.Record(bobHub, "message");
        await bobHub.InvokeAsync<List<JsonElement>>("JoinChat", group, null);

        await using (var scope = server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<PresenceService>().EndConnectionsAsync(Alice);
        }

        // Chat sockets close as a removal closes them (1008: not to be reopened as they were), saying why.
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await aliceChat.WaitForCloseAsync());
        Assert.Equal("Signed out", aliceChat.Socket.CloseStatusDescription);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await aliceGroup.WaitForCloseAsync());
        Assert.NotEqual(WebSocketState.Open, await ClosedStateAsync(aliceFiles));

        // The user stream too, after a last cursor to resume from once signed in again.
        Assert.NotEmpty((string?)(await aliceStream.ReceiveAsync("cursor"))["next"] ?? "");
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await aliceStream.WaitForCloseAsync());
        Assert.Equal("Signed out", aliceStream.Socket.CloseStatusDescription);
        await aliceHubClosed.Task.WaitAsync(HubEvents.Timeout());

        // Bob's connections stay, see Alice go offline, and carry on.
        Assert.False((bool)(await bobChat.ReceiveStatusOfAsync("alice"))["is_online"]!);
        using var bob = server.Client(Bob);
        (await bob.PostAsJsonAsync($"/chat/{privateChat}/messages", new { text = "still here" })).EnsureSuccessStatusCode();
        Assert.Equal("still here", (string?)(await bobChat.ReceiveAsync("message"))["text"]);
        (await bob.PostAsJsonAsync($"/chat/{group}/messages", new { text = "and here" })).EnsureSuccessStatusCode();
        Assert.Equal("and here", (await bobHubMessages.Reader.ReadAsync(HubEvents.Timeout())).GetProperty("text").GetString());
        Assert.Equal(HubConnectionState.Connected, bobHub.State);
    }

    private static async Task<WebSocketState> ClosedStateAsync(ChatSocketClient client)
    {
        await client.WaitForCloseAsync();
        return client.Socket.State;
    }
}
