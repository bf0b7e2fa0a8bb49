using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>How a host's user keys of one type become chat user ids, and back.</summary>
internal abstract class UserKeyIds<TKey>
    where TKey : notnull
{
    public delegate bool Parser(string text, out TKey key);

    /// <summary>Reads a key from the text of a claim.</summary>
    public abstract bool TryParse(string text, out TKey key);

    public abstract ValueTask<IReadOnlyDictionary<TKey, long>> GetIdsAsync(IReadOnlyCollection<TKey> keys, CancellationToken cancellationToken);

    public abstract ValueTask<IReadOnlyDictionary<long, TKey>> FindKeysAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken);
}

/// <summary>Numeric keys (<c>long</c>, <c>int</c>) are the ids themselves: nothing is stored, nothing looked up.</summary>
internal sealed class NumericUserKeyIds<TKey>(Func<TKey, long> toId, Func<long, TKey?> fromId, UserKeyIds<TKey>.Parser parse) : UserKeyIds<TKey>
    where TKey : struct
{
    public static readonly NumericUserKeyIds<long> Int64 = new(key => key, id => id, (string text, out long key) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out key));

    public static readonly NumericUserKeyIds<int> Int32 = new(key => key, id => id is >= 0 and <= int.MaxValue ? (int)id : null, (string text, out int key) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out key));

    public override bool TryParse(string text, out TKey key) => parse(text, out key);

    public override ValueTask<IReadOnlyDictionary<TKey, long>> GetIdsAsync(IReadOnlyCollection<TKey> keys, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyDictionary<TKey, long>>(keys.Distinct().ToDictionary(key => key, toId));

    public override ValueTask<IReadOnlyDictionary<long, TKey>> FindKeysAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyDictionary<long, TKey>>(ids.Distinct()
            .Select(id => (Id: id, Key: fromId(id)))
            .Where(pair => pair.Key is not null)
            .ToDictionary(pair => pair.Id, pair => pair.Key!.Value));
}

/// <summary>
/// Keys that are not numbers (strings, GUIDs) get ChatEngine's own ids, kept by the store
/// (<see cref="ChatUserKeys"/>), written as text in one canonical form.
/// </summary>
internal sealed class StoredUserKeyIds<TKey>(IServiceProvider services, Func<TKey, string> format, UserKeyIds<TKey>.Parser parse) : UserKeyIds<TKey>
    where TKey : notnull
{
    public static StoredUserKeyIds<string> Strings(IServiceProvider services) => new(services, key => key, (string text, out string key) =>
    {
        key = text;
        return text.Length is > 0 and <= ChatUserKeys.MaxKeyLength;
    });

    public static StoredUserKeyIds<Guid> Guids(IServiceProvider services) => new(services, key => key.ToString("D"), Guid.TryParse);

    private ChatUserKeys Keys => services.GetRequiredService<ChatUserKeys>();

    public override bool TryParse(string text, out TKey key) => parse(text, out key);

    public override async ValueTask<IReadOnlyDictionary<TKey, long>> GetIdsAsync(IReadOnlyCollection<TKey> keys, CancellationToken cancellationToken)
    {
        var texts = keys.Distinct().ToDictionary(key => key, format);
        var ids = await Keys.GetIdsAsync(texts.Values.ToArray(), cancellationToken).ConfigureAwait(false);
        return texts.ToDictionary(pair => pair.Key, pair => ids[pair.Value]);
    }

    public override async ValueTask<IReadOnlyDictionary<long, TKey>> FindKeysAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        var keys = new Dictionary<long, TKey>();
        foreach (var (id, text) in await Keys.FindKeysAsync(ids, cancellationToken).ConfigureAwait(false))
        {
            if (parse(text, out var key))
            {
                keys[id] = key;
            }
        }

        return keys;
    }
}

/// <summary>
/// Fails start-up when a directory over string or GUID keys is registered but the store keeps no
/// ids for them (a store of the app's own without <see cref="IChatUserKeyStore"/>).
/// </summary>
internal sealed class UserKeyStoreValidator(IServiceProvider provider) : Microsoft.Extensions.Options.IValidateOptions<ChatEngineOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, ChatEngineOptions options) =>
        provider.GetService<IServiceProviderIsService>() is not { } services || services.IsService(typeof(IChatUserKeyStore))
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Success
            : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(
                "The user directory's keys are not numbers, so ChatEngine gives each user an id of its own, which the store keeps; " +
                "the store registered has no IChatUserKeyStore: use AddEntityFrameworkStores<TContext>() or AddSqliteStores(...), " +
                "or implement IChatUserKeyStore beside your store.");
}
