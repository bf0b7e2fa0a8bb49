using ReferenceHost.Moderation;

namespace ReferenceHost.Accounts;

/// <summary>
/// Reads what refuses access tokens before they expire, <see cref="SuspendedAccounts"/> and
/// <see cref="EndedSignIns"/>, at start and every <see cref="RefreshInterval"/>, so what another host
/// (or a command in its own process) did is refused here too.
/// </summary>
internal sealed partial class AccessRevocationsRefresher(
    SuspendedAccounts suspended, EndedSignIns ended, TimeProvider time, ILogger<AccessRevocationsRefresher> logger) : BackgroundService
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval, time);
        do
        {
            try
            {
                await suspended.RefreshAsync(stoppingToken);
                await ended.RefreshAsync(stoppingToken);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogRefreshFailed(logger, error);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "Reading the suspended accounts and ended sign-ins failed; the last ones read still apply.")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
