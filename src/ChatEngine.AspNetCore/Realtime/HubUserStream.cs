using System.Text.Json;
using Microsoft.AspNetCore.SignalR;

namespace ChatEngine.AspNetCore;

/// <summary>
/// The SignalR form of a user stream: a hub connection that called <c>Subscribe</c>. Its <c>JoinChat</c>
/// calls are its watches, and the broadcaster leaves it out of chat deliveries, so each event arrives once.
/// </summary>
internal sealed class HubUserStream(
    string connectionId, long userId, Action abortConnection, IHubContext<ChatHub> hub, UserStreams registry, int queueCapacity, TimeProvider time, TimeSpan cursorInterval)
    : UserStream(userId, registry, queueCapacity, holding: false, time, cursorInterval)
{
    public string ConnectionId { get; } = connectionId;

    protected override async ValueTask SendAsync(string eventName, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        var element = JsonSerializer.Deserialize(frame.Span, ChatJsonContext.Default.JsonElement);
        await hub.Clients.Client(ConnectionId).SendAsync(eventName, element, cancellationToken).ConfigureAwait(false);
    }

    // SignalR gives a server no close reason to send: the client learns why when it reconnects.
    protected override Task EndSignedOutAsync()
    {
        abortConnection();
        return Task.CompletedTask;
    }

    protected override void Abort() => abortConnection();
}
