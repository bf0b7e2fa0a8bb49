using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

internal static class ChatRequestContext
{
    /// <summary>The authenticated chat user's id, or null for anonymous or unmappable principals.</summary>
    public static long? FindUserId(HttpContext context)
    {
        if (context.User.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        var options = context.RequestServices.GetRequiredService<IOptions<ChatTransportOptions>>().Value;
        return options.UserIdResolver(context.User);
    }
}
