namespace ChatEngine;

/// <summary>
/// Receives every <see cref="ChatEvent"/>, after the change it reports is committed. Hosts implement
/// it for hooks such as push notifications or webhooks and register it with
/// <c>ChatEngineBuilder.AddEventHandler&lt;T&gt;()</c>, which runs it on a queue of its own (a slow
/// handler stalls nobody). One registered directly as an <see cref="IChatEventHandler"/> service
/// runs inline, on the path of whoever published: only for quick in-memory work (ChatEngine's own
/// delivery to connections is one).
/// </summary>
public interface IChatEventHandler
{
    /// <summary>Handles an event.</summary>
    ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken);
}

/// <summary>Publishes events to every registered <see cref="IChatEventHandler"/>.</summary>
public interface IChatEventPublisher
{
    /// <summary>Publishes an event. A failing handler is logged and does not stop the others.</summary>
    ValueTask PublishAsync(ChatEvent chatEvent, CancellationToken cancellationToken);
}
