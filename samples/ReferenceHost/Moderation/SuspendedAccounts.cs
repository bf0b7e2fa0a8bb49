using System.Collections.Frozen;
using Microsoft.EntityFrameworkCore;
using ReferenceHost.Accounts;
using ReferenceHost.Data;

namespace ReferenceHost.Moderation;

/// <summary>
/// The accounts an administrator suspended, known to every request without a database read. A bearer
/// token cannot be revoked before it expires, so every one is checked against this set. The host
/// that suspends knows at once; the others read the database every <see cref="AccessRevocationsRefresher.RefreshInterval"/>.
/// </summary>
internal sealed class SuspendedAccounts(IServiceScopeFactory scopes, TimeProvider time)
{
    private readonly Lock _lock = new();
    private FrozenSet<long> _ids = FrozenSet<long>.Empty;

    // Bumped by each change made here: a read of the database begun before it must not undo it.
    private long _version;

    public bool Contains(long userId) => Volatile.Read(ref _ids).Contains(userId);

    public void Set(long userId, bool suspended)
    {
        lock (_lock)
        {
            _version++;
            var ids = new HashSet<long>(_ids);
            if (suspended ? ids.Add(userId) : ids.Remove(userId))
            {
                Volatile.Write(ref _ids, ids.ToFrozenSet());
            }
        }
    }

    /// <summary>Reads the accounts suspended now from the database.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var version = Volatile.Read(ref _version);
        await using var scope = scopes.CreateAsyncScope();
        var now = time.GetUtcNow();
        var suspended = await ReadAsync(scope.ServiceProvider.GetRequiredService<ReferenceHostDbContext>().Users, now, cancellationToken);
        lock (_lock)
        {
            if (_version == version)
            {
                Volatile.Write(ref _ids, suspended.Select(a => a.Id).ToFrozenSet());
            }
        }
    }

    /// <summary>The accounts suspended at <paramref name="now"/>, by name.</summary>
    public static async Task<IReadOnlyList<(long Id, string UserName)>> ReadAsync(IQueryable<ChatAccount> accounts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Few accounts are ever locked; SQLite cannot compare the times stored as text, so they are compared here.
        var locked = await accounts.AsNoTracking()
            .Where(a => a.LockoutEnd != null)
            .Select(a => new { a.Id, a.UserName, a.LockoutEnd })
            .ToListAsync(cancellationToken);
        return locked.Where(a => a.LockoutEnd > now).Select(a => (a.Id, a.UserName!)).ToArray();
    }
}
