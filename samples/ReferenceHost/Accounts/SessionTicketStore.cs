using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using ReferenceHost.Data;

namespace ReferenceHost.Accounts;

/// <summary>
/// Keeps each cookie session's ticket in the database and only its key in the cookie, so a session
/// ends the moment its row goes: logout deletes one, a password change or "sign out everywhere"
/// deletes all of a user's. A copied cookie then stops working at once, on every host.
/// </summary>
internal sealed class SessionTicketStore(IServiceScopeFactory scopes, TimeProvider time) : ITicketStore
{
    // Each stored ticket carries its own key, so a request knows which session it came with.
    private const string SessionKeyClaim = "chatengine.session";

    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var key = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        WithKey(ticket, key);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ReferenceHostDbContext>();
        var userId = UserIdOf(ticket);
        db.Sessions.Add(new UserSession { Id = key, UserId = userId, Ticket = TicketSerializer.Default.Serialize(ticket), ExpiresAt = ticket.Properties.ExpiresUtc?.UtcDateTime });
        await db.SaveChangesAsync();
        // Sessions that ran out go when their owner signs in again, so the table does not grow forever.
        var now = time.GetUtcNow().UtcDateTime;
        await db.Sessions.Where(s => s.UserId == userId && s.ExpiresAt != null && s.ExpiresAt <= now).ExecuteDeleteAsync();
        return key;
    }

    public async Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ReferenceHostDbContext>();
        var bytes = TicketSerializer.Default.Serialize(WithKey(ticket, key));
        var expires = ticket.Properties.ExpiresUtc?.UtcDateTime;
        // Renewing a session that was ended meanwhile must not bring it back.
        await db.Sessions.Where(s => s.Id == key).ExecuteUpdateAsync(s => s.SetProperty(x => x.Ticket, bytes).SetProperty(x => x.ExpiresAt, expires));
    }

    public async Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ReferenceHostDbContext>();
        var session = await db.Sessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == key);
        if (session is null || (session.ExpiresAt is { } expires && expires <= time.GetUtcNow().UtcDateTime))
        {
            return null;
        }

        return TicketSerializer.Default.Deserialize(session.Ticket);
    }

    public async Task RemoveAsync(string key)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ReferenceHostDbContext>();
        await db.Sessions.Where(s => s.Id == key).ExecuteDeleteAsync();
    }

    /// <summary>
    /// Ends every browser session of the user (a password change, "sign out everywhere"), but the one
    /// <paramref name="keep"/> names: the browser that changed its password stays signed in.
    /// </summary>
    public static Task EndAllAsync(ReferenceHostDbContext db, long userId, string? keep, CancellationToken cancellationToken) =>
        db.Sessions.Where(s => s.UserId == userId && s.Id != keep).ExecuteDeleteAsync(cancellationToken);

    /// <summary>The key of the session that authenticated this request, if a session cookie did.</summary>
    public static string? CurrentKey(ClaimsPrincipal user) => user.FindFirstValue(SessionKeyClaim);

    private static AuthenticationTicket WithKey(AuthenticationTicket ticket, string key)
    {
        if (ticket.Principal.Identity is ClaimsIdentity identity && !identity.HasClaim(SessionKeyClaim, key))
        {
            foreach (var stale in identity.FindAll(SessionKeyClaim).ToArray())
            {
                identity.RemoveClaim(stale);
            }

            identity.AddClaim(new Claim(SessionKeyClaim, key));
        }

        return ticket;
    }

    private static long UserIdOf(AuthenticationTicket ticket) =>
        long.Parse(ticket.Principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("A session ticket without a user id."), CultureInfo.InvariantCulture);
}
