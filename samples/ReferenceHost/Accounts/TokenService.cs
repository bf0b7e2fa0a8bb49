using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ReferenceHost.Data;

namespace ReferenceHost.Accounts;

/// <summary>Issues access tokens and rotating refresh tokens (SimpleJWT's shapes), with reuse detection.</summary>
internal sealed class TokenService(ReferenceHostDbContext db, SymmetricSecurityKey key, IOptions<JwtOptions> options, TimeProvider time)
{
    // Refresh tokens are 43 characters; anything far longer is not one and is not hashed.
    private const int MaxTokenLength = 256;

    private readonly JwtOptions _options = options.Value;

    public async Task<TokenPair> IssueAsync(ChatAccount account, Guid? family, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var access = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            Subject = new ClaimsIdentity(
            [
                new Claim(JwtRegisteredClaimNames.Sub, account.Id.ToString(CultureInfo.InvariantCulture)),
                new Claim(JwtRegisteredClaimNames.UniqueName, account.UserName!),
                new Claim(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")),
                new Claim(AccessTokenStamp.ClaimType, AccessTokenStamp.Digest(account.SecurityStamp)),
            ]),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + _options.AccessTokenLifetime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });

        var refresh = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        db.RefreshTokens.Add(new RefreshToken
        {
            UserId = account.Id,
            TokenHash = Hash(refresh),
            FamilyId = family ?? Guid.NewGuid(),
            CreatedAt = now,
            ExpiresAt = now + _options.RefreshTokenLifetime,
        });
        await db.SaveChangesAsync(cancellationToken);
        return new TokenPair(access, refresh);
    }

    /// <summary>
    /// Trades a refresh token for a new pair; the old one stops working. A token used again within
    /// <see cref="JwtOptions.RefreshReuseGrace"/> of its rotation (a retry after a lost answer) gets
    /// another pair of the same family; used again later (stolen, or replayed), it revokes its whole
    /// family. An account that is locked (an administrator's decision) gets nothing, and its token is
    /// left as it was: refusing must never cost the owner their session. Returns null for any token
    /// that is not good.
    /// </summary>
    public async Task<TokenPair?> RefreshAsync(string? refresh, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(refresh) || refresh.Length > MaxTokenLength)
        {
            return null;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var hash = Hash(refresh);
        var stored = await db.RefreshTokens.AsNoTracking().FirstOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
        if (stored is null)
        {
            return null;
        }

        var account = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == stored.UserId, cancellationToken);
        if (account is null || (account.LockoutEnd is { } end && end > time.GetUtcNow()))
        {
            return null;
        }

        if (stored.RevokedAt is null && stored.ExpiresAt > now)
        {
            // The conditional update is the atomic check: of two racing uses, only one rotates.
            var rotated = await db.RefreshTokens
                .Where(t => t.Id == stored.Id && t.RevokedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now).SetProperty(t => t.RotatedAt, now), cancellationToken) == 1;
            if (rotated)
            {
                return await IssueAsync(account, stored.FamilyId, cancellationToken);
            }

            stored = await db.RefreshTokens.AsNoTracking().FirstAsync(t => t.Id == stored.Id, cancellationToken);
        }

        if (stored.RotatedAt is { } rotatedAt && now - rotatedAt <= _options.RefreshReuseGrace && stored.ExpiresAt > now
            && await db.RefreshTokens.AnyAsync(t => t.FamilyId == stored.FamilyId && t.RevokedAt == null, cancellationToken))
        {
            return await IssueAsync(account, stored.FamilyId, cancellationToken);
        }

        if (stored.RevokedAt is not null || stored.ExpiresAt > now)
        {
            await RevokeFamilyAsync(stored.FamilyId, cancellationToken);
        }

        return null;
    }

    /// <summary>Revokes every refresh token of the user (a password change, "sign out everywhere").</summary>
    public Task RevokeAllAsync(long userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return db.RefreshTokens.Where(t => t.UserId == userId && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), cancellationToken);
    }

    /// <summary>Revokes a refresh token's whole family (logout).</summary>
    public async Task RevokeAsync(string? refresh, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(refresh) || refresh.Length > MaxTokenLength)
        {
            return;
        }

        var hash = Hash(refresh);
        var family = await db.RefreshTokens.Where(t => t.TokenHash == hash).Select(t => (Guid?)t.FamilyId).FirstOrDefaultAsync(cancellationToken);
        if (family is { } id)
        {
            await RevokeFamilyAsync(id, cancellationToken);
        }
    }

    private async Task RevokeFamilyAsync(Guid family, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await db.RefreshTokens.Where(t => t.FamilyId == family && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), cancellationToken);
    }

    private static string Hash(string token) => Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));
}

internal sealed record TokenPair(string Access, string Refresh);
