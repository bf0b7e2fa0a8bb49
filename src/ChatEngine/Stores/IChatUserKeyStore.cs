namespace ChatEngine;

/// <summary>
/// ChatEngine's own numeric id for each user key of the host (an Identity user's string id, a GUID):
/// the wire carries numeric user ids, and an app whose users have other keys keeps its keys. An
/// optional store service, registered with the other store services (the in-memory and EF Core stores
/// have it); stores without it serve apps whose user ids are numbers. An implementation keeps these
/// promises: an id, once given to a key, is never given to another key nor changed; two callers
/// asking for the same new key at once, on any host, get the same id.
/// </summary>
public interface IChatUserKeyStore
{
    /// <summary>The ids of the given keys, giving new keys the next free ids.</summary>
    Task<IReadOnlyDictionary<string, long>> GetOrCreateIdsAsync(IReadOnlyCollection<string> userKeys, CancellationToken cancellationToken);

    /// <summary>The keys of the given ids; ids never given are absent from the result.</summary>
    Task<IReadOnlyDictionary<long, string>> FindKeysAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken);
}
