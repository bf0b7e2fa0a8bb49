using ChatEngine;
using Microsoft.AspNetCore.Identity;
using ReferenceHost.Data;

namespace ReferenceHost.Accounts;

/// <summary>
/// Ends every sign-in of an account at once (signing out everywhere, a new password, a suspension,
/// a deleted account): its browser sessions but, if asked, the one that asked; its refresh tokens;
/// its access tokens (they carry a digest of the security stamp, which changes here: see
/// <see cref="EndedSignIns"/> and <see cref="AccessTokenStamp"/>); and every live connection of
/// theirs on every host, since a connection is authenticated only when it opens.
/// </summary>
internal sealed class AccountSignIns(
    ReferenceHostDbContext db, TokenService tokens, UserManager<ChatAccount> users, EndedSignIns ended, PresenceService presence, TimeProvider time)
{
    public async Task EndAllAsync(long userId, string? keepSession, CancellationToken cancellationToken)
    {
        await SessionTicketStore.EndAllAsync(db, userId, keepSession, cancellationToken);
        await tokens.RevokeAllAsync(userId, cancellationToken);
        if (await users.FindByIdAsync(userId.ToString(System.Globalization.CultureInfo.InvariantCulture)) is { } account)
        {
            // Saved with the new stamp: other hosts refuse the older tokens once they read it.
            account.SignInsEndedAt = time.GetUtcNow().UtcDateTime;
            await users.UpdateSecurityStampAsync(account);
            ended.Ended(userId, account.SecurityStamp);
        }

        // Last: a client that reconnects at once must find its credentials already refused.
        await presence.EndConnectionsAsync(userId, cancellationToken);
    }
}
