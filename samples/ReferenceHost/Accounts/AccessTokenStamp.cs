using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using ReferenceHost.Data;

namespace ReferenceHost.Accounts;

/// <summary>
/// An access token cannot be revoked before it expires, but what it may do can be checked: it carries
/// a digest of the account's security stamp (never the stamp, which Identity's code tokens are made
/// from), and a request that opens a live connection is refused once the stamp changed (signing out
/// everywhere, a new password) or the account is gone or locked. Only those requests pay the lookup,
/// since a connection lasts for hours; every other request is checked against
/// <see cref="EndedSignIns"/>, which this host holds in memory.
/// </summary>
internal static class AccessTokenStamp
{
    public const string ClaimType = "sst";

    public static string Digest(string? securityStamp) =>
        Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(securityStamp ?? ""))[..16]);

    /// <summary>Whether the request opens a live connection: a WebSocket, or a SignalR negotiation (every transport starts with one but a WebSocket's).</summary>
    public static bool OpensConnection(HttpContext context) =>
        context.WebSockets.IsWebSocketRequest || context.Request.Path.Value?.EndsWith("/negotiate", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>Whether the token's stamp is the account's current one, and the account may sign in.</summary>
    public static async Task<bool> IsCurrentAsync(ClaimsPrincipal token, HttpContext context)
    {
        if (!long.TryParse(token.FindFirstValue("sub"), out var userId) || token.FindFirstValue(ClaimType) is not { } digest)
        {
            return false;
        }

        // A scope of its own: a WebSocket's request scope lasts as long as the socket, and a context
        // rented in it would stay out of the pool, with its memory, that long.
        await using var scope = context.RequestServices.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        var account = await scope.ServiceProvider.GetRequiredService<ReferenceHostDbContext>().Users.AsNoTracking()
            .Where(a => a.Id == userId)
            .Select(a => new { a.SecurityStamp, a.LockoutEnd })
            .FirstOrDefaultAsync(context.RequestAborted);
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        return account is not null
            && !(account.LockoutEnd is { } end && end > time.GetUtcNow())
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Digest(account.SecurityStamp)), Encoding.ASCII.GetBytes(digest));
    }
}
