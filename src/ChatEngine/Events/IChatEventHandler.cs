namespace ChatEngine;

/// <summary>
/// Receives every <see cref="ChatEvent"/>. Transports implement it to deliver events to connections;
/// hosts implement it for hooks such as push notifications or webhooks. Register with
/// <c>ChatEngineBuilder.AddEventHandler&lt;T&gt;()</c>.
/// </summary>
public interface IChatEventHandler
{
    /// <summary>Handles an event. It runs on the caller's path: hand slow work to a queue.</summary>
    ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken);
}

/// <summary>Publishes events to every registered <see cref="IChatEventHandler"/>.</summary>
public interface IChatEventPublisher
{
    /// <summary>Publishes an event. A failing handler is logged and does not stop the others.</summary>
    ValueTask PublishAsync(ChatEvent chatEvent, CancellationToken cancellationToken);
}
