using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine;

/// <summary>
/// Maps the host's user keys (strings, GUIDs) to the numeric user ids the wire carries, through the
/// store's <see cref="IChatUserKeyStore"/> and a cache shared by the process: a pair never changes
/// once made, so a cached pair is never stale, and the signed-in user's id costs no database read
/// after the first request. User directories over keys that are not numbers use it.
/// </summary>
public sealed class ChatUserKeys
{
    private readonly IServiceProvider _services;
    private readonly ChatUserKeyCache _cache;

    internal ChatUserKeys(IServiceProvider services, ChatUserKeyCache cache)
    {
        _services = services;
        _cache = cache;
    }

    /// <summary>Most characters a key may have. Longer keys get no id.</summary>
    public const int MaxKeyLength = 256;

    /// <summary>The id of <paramref name="userKey"/>, given on first sight.</summary>
    public async ValueTask<long> GetIdAsync(string userKey, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(userKey);
        if (_cache.TryGet(userKey, out var id))
        {
            return id;
        }

        return (await GetIdsAsync([userKey], cancellationToken).ConfigureAwait(false))[userKey];
    }

    /// <summary>The ids of <paramref name="userKeys"/>, given on first sight.</summary>
    public async ValueTask<IReadOnlyDictionary<string, long>> GetIdsAsync(IReadOnlyCollection<string> userKeys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userKeys);
        var ids = new Dictionary<string, long>(userKeys.Count, StringComparer.Ordinal);
        List<string>? unknown = null;
        foreach (var key in userKeys)
        {
            if (string.IsNullOrEmpty(key) || key.Length > MaxKeyLength)
            {
                throw new ArgumentException($"User keys must have 1 to {MaxKeyLength} characters.", nameof(userKeys));
            }

            if (_cache.TryGet(key, out var id))
            {
                ids[key] = id;
            }
            else if (!ids.ContainsKey(key))
            {
                (unknown ??= []).Add(key);
            }
        }

        if (unknown is not null)
        {
            foreach (var (key, id) in await Store.GetOrCreateIdsAsync(unknown.Distinct(StringComparer.Ordinal).ToArray(), cancellationToken).ConfigureAwait(false))
            {
                _cache.Add(key, id);
                ids[key] = id;
            }
        }

        return ids;
    }

    /// <summary>The keys of <paramref name="userIds"/>; ids never given are absent from the result.</summary>
    public async ValueTask<IReadOnlyDictionary<long, string>> FindKeysAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        var keys = new Dictionary<long, string>(userIds.Count);
        List<long>? unknown = null;
        foreach (var id in userIds)
        {
            if (_cache.TryGet(id, out var key))
            {
                keys[id] = key;
            }
            else if (!keys.ContainsKey(id))
            {
                (unknown ??= []).Add(id);
            }
        }

        if (unknown is not null)
        {
            foreach (var (id, key) in await Store.FindKeysAsync(unknown.Distinct().ToArray(), cancellationToken).ConfigureAwait(false))
            {
                _cache.Add(key, id);
                keys[id] = key;
            }
        }

        return keys;
    }

    private IChatUserKeyStore Store => _services.GetService<IChatUserKeyStore>() ?? throw new InvalidOperationException(
        "The user directory gives users whose keys are not numbers ChatEngine ids, which the store keeps, but the store " +
        "registered has no IChatUserKeyStore: use AddEntityFrameworkStores<TContext>(), AddSqliteStores(...), " +
        "AddPostgreSqlStores(...) or AddInMemoryStores(), or implement IChatUserKeyStore in your store.");
}
