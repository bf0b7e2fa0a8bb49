using System.Security.Claims;
using Microsoft.Extensions.Logging;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Says, once per app, that signed-in users map to no chat user id, naming the claims they carry
/// (not their values) and the option to set: the app is misconfigured, and a silent 401 or login
/// redirect would hide it.
/// </summary>
internal sealed partial class UnresolvedChatUsers(ILogger<UnresolvedChatUsers> logger)
{
    private int _logged;

    public void Seen(ClaimsPrincipal user)
    {
        if (Interlocked.Exchange(ref _logged, 1) == 0)
        {
            LogUnresolved(logger, string.Join(", ", user.Claims.Select(c => c.Type).Distinct()));
        }
    }

    [LoggerMessage(EventId = 3020, Level = LogLevel.Warning, Message =
        "A signed-in user maps to no chat user id, so ChatEngine refuses them with 403 chat_user_unresolved. " +
        "By default the user directory maps the NameIdentifier or sub claim (a number, or a string or GUID key with " +
        "AddUserDirectory's overload for it); this principal has the claims [{Claims}]. Register the directory for your " +
        "user key's type, or set ChatTransportOptions.UserIdResolver (ConfigureTransports) to read the chat user id from them.")]
    private static partial void LogUnresolved(ILogger logger, string claims);
}
