using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Runs <see cref="ChatRetention"/> when <see cref="ChatRetentionOptions.MaxMessageAge"/> is set: at
/// start, then every tenth of the age (between a minute and an hour), on the app's <see cref="TimeProvider"/>.
/// Hosts that share a database may prune at once: each row is deleted by one of them.
/// </summary>
internal sealed partial class MessageRetentionWorker(
    IServiceScopeFactory scopes, TimeProvider time, IOptions<ChatEngineOptions> options, ILogger<MessageRetentionWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Retention.MaxMessageAge is not { } age)
        {
            return;
        }

        var interval = TimeSpan.FromTicks(Math.Clamp(age.Ticks / 10, TimeSpan.FromMinutes(1).Ticks, TimeSpan.FromHours(1).Ticks));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using (var scope = scopes.CreateAsyncScope())
                {
                    var retention = scope.ServiceProvider.GetRequiredService<ChatRetention>();
                    if (retention.IsUnsupported)
                    {
                        LogUnsupported(logger);
                        return;
                    }

                    if (await retention.PruneAsync(stoppingToken).ConfigureAwait(false) is > 0 and var deleted)
                    {
                        LogPruned(logger, deleted);
                    }
                }

                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed pass is logged; the next one tries again.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogPruneFailed(logger, ex);
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Deleted {Count} messages past their retention age.")]
    private static partial void LogPruned(ILogger logger, int count);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Error, Message = "Deleting messages past their retention age failed; the next pass tries again.")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "ChatEngine:Retention:MaxMessageAge is set, but the chat store cannot delete messages (it has no IMessageRetentionStore): messages are kept.")]
    private static partial void LogUnsupported(ILogger logger);
}
