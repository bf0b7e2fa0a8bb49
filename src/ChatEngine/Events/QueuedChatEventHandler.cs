using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace ChatEngine;

/// <summary>
/// Runs a host's <see cref="IChatEventHandler"/> on a queue and a loop of its own: events reach it in
/// the order they were published, but off every sender's path, so a slow or blocked handler (a push
/// service timing out, a webhook hanging) stalls nobody else. A handler that falls
/// <c>queueCapacity</c> events behind misses the next ones, alone, with a warning logged.
/// </summary>
internal sealed partial class QueuedChatEventHandler<THandler> : IChatEventHandler, IAsyncDisposable
    where THandler : class, IChatEventHandler
{
    private readonly THandler _handler;
    private readonly ILogger _logger;
    private readonly Channel<ChatEvent> _queue;
    private readonly Lazy<Task> _loop;
    private long _dropped;

    public QueuedChatEventHandler(THandler handler, int queueCapacity, ILogger<QueuedChatEventHandler<THandler>> logger)
    {
        _handler = handler;
        _logger = logger;
        _queue = Channel.CreateBounded<ChatEvent>(new BoundedChannelOptions(queueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of waiting: the event is dropped for this handler.
        });
        _loop = new Lazy<Task>(() => Task.Run(RunAsync));
    }

    public ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        _ = _loop.Value;
        if (!_queue.Writer.TryWrite(chatEvent) && Interlocked.Increment(ref _dropped) is var dropped && (dropped & (dropped - 1)) == 0)
        {
            LogDropped(_logger, typeof(THandler).Name, dropped); // 1, 2, 4, 8...: the log does not flood either.
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Hands the handler what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_loop.IsValueCreated)
        {
            await _loop.Value.ConfigureAwait(false);
        }
    }

    private async Task RunAsync()
    {
        await foreach (var chatEvent in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await _handler.HandleAsync(chatEvent, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogFailed(_logger, ex, typeof(THandler).Name, chatEvent.GetType().Name);
            }
        }
    }

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Chat event handler {Handler} is behind by its whole queue; {Dropped} events were not handed to it.")]
    private static partial void LogDropped(ILogger logger, string handler, long dropped);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Chat event handler {Handler} failed on {Event}.")]
    private static partial void LogFailed(ILogger logger, Exception exception, string handler, string @event);
}
