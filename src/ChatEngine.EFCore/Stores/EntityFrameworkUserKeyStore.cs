using Microsoft.EntityFrameworkCore;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// ChatEngine's ids for the host's user keys, in <c>ChatEngineUserKeys</c>. New keys are inserted
/// with <c>ON CONFLICT DO NOTHING</c> (SQLite and PostgreSQL alike) and read back, so hosts that
/// meet the same new user at once agree on one id, and nothing passes through the context's change
/// tracker (which may be the host's own, holding changes that are not ours to save).
/// </summary>
internal sealed class EntityFrameworkUserKeyStore<TContext>(Func<TContext> context) : IChatUserKeyStore
    where TContext : DbContext
{
    private const int KeysPerStatement = 100;

    private IQueryable<UserKeyEntity> UserKeys => context().Set<UserKeyEntity>().AsNoTracking();

    public async Task<IReadOnlyDictionary<string, long>> GetOrCreateIdsAsync(IReadOnlyCollection<string> userKeys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userKeys);
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var chunk in userKeys.Distinct(StringComparer.Ordinal).Chunk(KeysPerStatement))
        {
            await ReadAsync(chunk, ids, cancellationToken).ConfigureAwait(false);
            var missing = chunk.Where(key => !ids.ContainsKey(key)).ToArray();
            if (missing.Length == 0)
            {
                continue;
            }

            // Only parameter placeholders are written into the SQL; the keys travel as parameters.
            var insert = $"""INSERT INTO "{ChatTables.UserKeys}" ("Key") VALUES {string.Join(", ", missing.Select((_, i) => $"({{{i}}})"))} ON CONFLICT ("Key") DO NOTHING""";
            await context().Database.ExecuteSqlRawAsync(insert, missing.Cast<object>(), cancellationToken).ConfigureAwait(false);
            await ReadAsync(missing, ids, cancellationToken).ConfigureAwait(false);
        }

        return ids;
    }

    public async Task<IReadOnlyDictionary<long, string>> FindKeysAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        var wanted = userIds.Distinct().ToArray();
        return await UserKeys.Where(k => wanted.Contains(k.Id)).ToDictionaryAsync(k => k.Id, k => k.Key, cancellationToken).ConfigureAwait(false);
    }

    private async Task ReadAsync(string[] keys, Dictionary<string, long> ids, CancellationToken cancellationToken)
    {
        var rows = await UserKeys.Where(k => keys.Contains(k.Key)).Select(k => new { k.Key, k.Id }).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var row in rows)
        {
            ids[row.Key] = row.Id;
        }
    }
}
