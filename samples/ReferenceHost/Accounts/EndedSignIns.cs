using System.Collections.Frozen;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ReferenceHost.Data;

namespace ReferenceHost.Accounts;

/// <summary>
/// The accounts whose sign-ins ended within an access token's lifetime, each with the digest of its
/// security stamp now, known to every request without a database read. A bearer token cannot be
/// revoked, but one made before its account's sign-ins ended carries another digest, so it is refused
/// on every request rather than read on for the rest of its life. The host that ends them knows at
/// once; the others (and a <c>set-password</c> run in its own process) read the database every
/// <see cref="AccessRevocationsRefresher.RefreshInterval"/>.
/// </summary>
internal sealed class EndedSignIns(IServiceScopeFactory scopes, TimeProvider time, IOptions<JwtOptions> jwt)
{
    private readonly Lock _lock = new();
    private FrozenDictionary<long, string> _stamps = FrozenDictionary<long, string>.Empty;

    // Under _lock: those ended here, kept for a token's lifetime, since a deleted account has no row to read back.
    private readonly Dictionary<long, (string Digest, DateTime At)> _endedHere = [];

    // Bumped by each change made here: a read of the database begun before it must not undo it.
    private long _version;

    /// <summary>Whether the account's <paramref name="token"/> was made before its sign-ins last ended (its stamp digest is another).</summary>
    /// <remarks>Every API request asks: the token's claim is read only for an account listed here.</remarks>
    public bool Refuses(long userId, ClaimsPrincipal token) =>
        Volatile.Read(ref _stamps).TryGetValue(userId, out var current) && current != token.FindFirstValue(AccessTokenStamp.ClaimType);

    /// <summary>The account's sign-ins ended here: tokens without its current stamp are refused at once.</summary>
    public void Ended(long userId, string? securityStamp)
    {
        var digest = AccessTokenStamp.Digest(securityStamp);
        lock (_lock)
        {
            _version++;
            _endedHere[userId] = (digest, time.GetUtcNow().UtcDateTime);
            var stamps = new Dictionary<long, string>(_stamps) { [userId] = digest };
            Volatile.Write(ref _stamps, stamps.ToFrozenDictionary());
        }
    }

    /// <summary>Reads the accounts whose sign-ins ended within a token's lifetime; older ones are forgotten, their tokens expired.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var version = Volatile.Read(ref _version);
        var since = time.GetUtcNow().UtcDateTime - jwt.Value.AccessTokenLifetime;
        await using var scope = scopes.CreateAsyncScope();
        var ended = await scope.ServiceProvider.GetRequiredService<ReferenceHostDbContext>().Users.AsNoTracking()
            .Where(a => a.SignInsEndedAt > since)
            .Select(a => new { a.Id, a.SecurityStamp })
            .ToListAsync(cancellationToken);
        lock (_lock)
        {
            if (_version != version)
            {
                return;
            }

            var stamps = ended.ToDictionary(a => a.Id, a => AccessTokenStamp.Digest(a.SecurityStamp));
            foreach (var (userId, (digest, at)) in _endedHere.ToArray())
            {
                if (at <= since)
                {
                    _endedHere.Remove(userId);
                }
                else
                {
                    stamps.TryAdd(userId, digest); // The database's is newer, when it has one.
                }
            }

            Volatile.Write(ref _stamps, stamps.ToFrozenDictionary());
        }
    }
}
