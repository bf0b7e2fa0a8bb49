using Microsoft.Extensions.Logging;

namespace ChatEngine;

/// <summary>
/// Hands each event to every handler in turn. The change the event reports is already committed,
/// so a handler's failure must not fail the operation: it is logged and the next handler runs.
/// </summary>
internal sealed partial class ChatEventDispatcher(IEnumerable<IChatEventHandler> handlers, ILogger<ChatEventDispatcher> logger) : IChatEventPublisher
{
    private readonly IChatEventHandler[] _handlers = handlers.ToArray();

    public async ValueTask PublishAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        foreach (var handler in _handlers)
        {
            try
            {
                await handler.HandleAsync(chatEvent, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogHandlerFailed(logger, ex, handler.GetType().Name, chatEvent.GetType().Name);
            }
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Chat event handler {Handler} failed on {Event}.")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string handler, string @event);
}
