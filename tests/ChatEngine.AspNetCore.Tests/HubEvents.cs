using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>Hub events as a test reads them: each kind queued as it arrives, read with a timeout.</summary>
internal static class HubEvents
{
    public static Channel<JsonElement> Record(HubConnection hub, string eventName)
    {
        var channel = Channel.CreateUnbounded<JsonElement>();
        hub.On<JsonElement>(eventName, e => channel.Writer.TryWrite(e));
        return channel;
    }

    public static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;
}
