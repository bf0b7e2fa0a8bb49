using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Every <see cref="ChatHub"/> call runs inside this filter. A refused call (a <see cref="ChatException"/>)
/// becomes a hub error whose message ends in <c>HubException: {code}: {detail}</c>, which clients can
/// parse, and is logged at Information without a stack: a refusal is the caller's mistake, not the
/// server's. Anything else is a failure of the server, logged here at Error with its stack (SignalR's
/// own dispatcher log is lowered, see <c>AddChatEngine</c>, since it logs refusals as errors too).
/// </summary>
internal sealed partial class ChatHubFilter(ILogger<ChatHubFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext).ConfigureAwait(false);
        }
        catch (ChatException error)
        {
            LogRefused(logger, invocationContext.HubMethodName, error.Code, invocationContext.Context.ConnectionId);
            throw new HubException($"{error.Code}: {error.Message}");
        }
        catch (HubException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(logger, ex, invocationContext.HubMethodName, invocationContext.Context.ConnectionId);
            throw;
        }
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Hub call {Method} refused with {Code} (connection {ConnectionId}).")]
    private static partial void LogRefused(ILogger logger, string method, string code, string connectionId);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Error, Message = "Hub call {Method} failed (connection {ConnectionId}).")]
    private static partial void LogFailed(ILogger logger, Exception exception, string method, string connectionId);
}
