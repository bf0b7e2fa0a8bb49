using Microsoft.AspNetCore.Identity;

namespace ReferenceHost.Accounts;

/// <summary>A person's account: an Identity user with a numeric id, which is also their chat user id.</summary>
public sealed class ChatAccount : IdentityUser<long>
{
    public string? FirstName { get; set; }

    public string? LastName { get; set; }

    /// <summary>When every sign-in of the account last ended (UTC): each host refuses the access tokens made before, until they expire.</summary>
    public DateTime? SignInsEndedAt { get; set; }
}

/// <summary>
/// A refresh token, stored as a hash. Each use rotates it: the old one is revoked and a new one of
/// the same family issued; presenting a revoked one again means it was stolen, so the family dies.
/// </summary>
public sealed class RefreshToken
{
    public long Id { get; set; }

    public long UserId { get; set; }

    public string TokenHash { get; set; } = string.Empty;

    public Guid FamilyId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? RevokedAt { get; set; }

    /// <summary>When a refresh rotated it (rather than a logout or a theft revoking it): the reuse grace counts from here.</summary>
    public DateTime? RotatedAt { get; set; }
}

/// <summary>
/// A signed-in browser session. The cookie carries only this row's key, so deleting the row (logout,
/// a password change, "sign out everywhere") ends the session at once on every host, however long the
/// cookie itself would still be good.
/// </summary>
public sealed class UserSession
{
    public string Id { get; set; } = string.Empty;

    public long UserId { get; set; }

    /// <summary>The serialized authentication ticket (claims and properties).</summary>
    public byte[] Ticket { get; set; } = [];

    public DateTime? ExpiresAt { get; set; }
}
