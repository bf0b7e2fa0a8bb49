using Microsoft.EntityFrameworkCore;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// Public handles in <c>ChatEngineHandles</c>. A new handle is inserted with
/// <c>ON CONFLICT DO NOTHING</c> (on the user or on the upper-cased handle, SQLite and PostgreSQL
/// alike) and read back: if the user got one meanwhile it is kept, if another user holds the
/// proposal the next suffix is tried. Nothing passes through the change tracker.
/// </summary>
internal sealed class EntityFrameworkHandleStore<TContext>(Func<TContext> context) : IChatHandleStore
    where TContext : DbContext
{
    /// <summary>Room for a proposal and its suffix.</summary>
    public const int MaxHandleLength = 64;

    private const string Insert =
        $$"""INSERT INTO "{{ChatTables.Handles}}" ("UserId", "Handle", "NormalizedHandle") VALUES ({0}, {1}, {2}) ON CONFLICT DO NOTHING""";

    private IQueryable<HandleEntity> Handles => context().Set<HandleEntity>().AsNoTracking();

    public async Task<IReadOnlyDictionary<long, string>> GetOrCreateHandlesAsync(IReadOnlyDictionary<long, string> proposals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proposals);
        var wanted = proposals.Keys.ToArray();
        var handles = await Handles.Where(h => wanted.Contains(h.UserId)).ToDictionaryAsync(h => h.UserId, h => h.Handle, cancellationToken).ConfigureAwait(false);
        foreach (var (userId, proposal) in proposals.Where(p => !handles.ContainsKey(p.Key)))
        {
            handles[userId] = await CreateAsync(userId, proposal, cancellationToken).ConfigureAwait(false);
        }

        return handles;
    }

    public async Task<IReadOnlyDictionary<string, long>> FindUserIdsAsync(IReadOnlyCollection<string> handles, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handles);
        var asked = handles.Distinct(StringComparer.OrdinalIgnoreCase).ToDictionary(h => h.ToUpperInvariant(), h => h);
        var normalized = asked.Keys.ToArray();
        var rows = await Handles.Where(h => normalized.Contains(h.NormalizedHandle)).Select(h => new { h.NormalizedHandle, h.UserId }).ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.ToDictionary(r => asked[r.NormalizedHandle], r => r.UserId, StringComparer.OrdinalIgnoreCase);
    }

    public async Task<IReadOnlyList<ChatHandle>> SearchAsync(string term, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(term);
        var upper = term.ToUpperInvariant();
        return await Handles.Where(h => h.NormalizedHandle.Contains(upper))
            .OrderBy(h => h.NormalizedHandle)
            .Take(limit)
            .Select(h => new ChatHandle(h.UserId, h.Handle))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> CreateAsync(long userId, string proposal, CancellationToken cancellationToken)
    {
        var stem = proposal.Length > MaxHandleLength - 10 ? proposal[..(MaxHandleLength - 10)] : proposal;
        for (var suffix = 1; ; suffix++)
        {
            var handle = suffix == 1 ? stem : $"{stem}{suffix}";
            await context().Database.ExecuteSqlRawAsync(Insert, [userId, handle, handle.ToUpperInvariant()], cancellationToken).ConfigureAwait(false);
            if (await Handles.Where(h => h.UserId == userId).Select(h => h.Handle).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false) is { } given)
            {
                return given;
            }
        }
    }
}
