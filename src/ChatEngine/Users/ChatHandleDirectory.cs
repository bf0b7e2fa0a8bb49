using System.Text;

namespace ChatEngine;

/// <summary>
/// The app's user directory with ChatEngine's own public handles in place of its user names (see
/// <c>AddChatHandles()</c>): when the app's user names are e-mail addresses, others see a handle
/// made from the part before the <c>@</c>, never the address. A user gets their handle the first
/// time chat shows them to anyone. Others find them by a part of their handle, or by their exact
/// user name (an address they already know), which is never matched by parts.
/// </summary>
internal sealed class ChatHandleDirectory(IChatUserDirectory users, IChatHandleStore handles, ChatHandleCache cache) : IChatUserDirectory
{
    /// <summary>Most characters a proposed handle keeps.</summary>
    public const int MaxHandleLength = 32;

    public async Task<ChatUser?> FindByIdAsync(long userId, CancellationToken cancellationToken) =>
        await users.FindByIdAsync(userId, cancellationToken).ConfigureAwait(false) is { } user
            ? (await WithHandlesAsync([user], cancellationToken).ConfigureAwait(false))[0]
            : null;

    public async Task<ChatUser?> FindByUserNameAsync(string userName, CancellationToken cancellationToken) =>
        (await GetByUserNamesAsync([userName], cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    public async Task<IReadOnlyDictionary<long, ChatUser>> GetByIdsAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
    {
        var found = await users.GetByIdsAsync(userIds, cancellationToken).ConfigureAwait(false);
        return (await WithHandlesAsync(found.Values.ToList(), cancellationToken).ConfigureAwait(false)).ToDictionary(u => u.Id);
    }

    public async Task<IReadOnlyList<ChatUser>> GetByUserNamesAsync(IReadOnlyCollection<string> userNames, CancellationToken cancellationToken)
    {
        // Handles first; a name that is no handle may be a user name the caller knows exactly.
        var byHandle = await FindIdsAsync(userNames, cancellationToken).ConfigureAwait(false);
        var others = userNames.Where(name => !byHandle.ContainsKey(name)).ToArray();
        var found = (await users.GetByIdsAsync(byHandle.Values.Distinct().ToArray(), cancellationToken).ConfigureAwait(false)).Values.ToList();
        if (others.Length > 0)
        {
            found.AddRange(await users.GetByUserNamesAsync(others, cancellationToken).ConfigureAwait(false));
        }

        return await WithHandlesAsync(found.DistinctBy(u => u.Id).ToList(), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ChatUser>> SearchAsync(string term, long excludedUserId, int limit, CancellationToken cancellationToken)
    {
        var matches = await handles.SearchAsync(term, limit + 1, cancellationToken).ConfigureAwait(false);
        var found = (await users.GetByIdsAsync(matches.Select(m => m.UserId).Where(id => id != excludedUserId).ToArray(), cancellationToken).ConfigureAwait(false)).Values.ToList();
        if (await users.FindByUserNameAsync(term, cancellationToken).ConfigureAwait(false) is { } exact && exact.Id != excludedUserId)
        {
            found.Add(exact);
        }

        var shown = await WithHandlesAsync(found.DistinctBy(u => u.Id).ToList(), cancellationToken).ConfigureAwait(false);
        return shown.OrderBy(u => u.UserName, StringComparer.OrdinalIgnoreCase).Take(limit).ToList();
    }

    public ValueTask<long?> FindIdByKeyAsync(string userKey, CancellationToken cancellationToken) => users.FindIdByKeyAsync(userKey, cancellationToken);

    /// <summary>A handle to propose for a user name: the part before any <c>@</c>, in lower case, letters, digits, <c>.</c>, <c>_</c> and <c>-</c> only.</summary>
    public static string Propose(string? userName)
    {
        var local = (userName ?? "").Split('@')[0].ToLowerInvariant();
        var handle = new StringBuilder(Math.Min(local.Length, MaxHandleLength));
        foreach (var c in local)
        {
            if (handle.Length < MaxHandleLength && (char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                handle.Append(c);
            }
        }

        var proposed = handle.ToString().Trim('.', '_', '-');
        return proposed.Length == 0 ? "user" : proposed;
    }

    private async Task<IReadOnlyDictionary<string, long>> FindIdsAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        var ids = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        var unknown = new List<string>();
        foreach (var name in names)
        {
            if (cache.TryGet(name, out var id))
            {
                ids[name] = id;
            }
            else
            {
                unknown.Add(name);
            }
        }

        if (unknown.Count > 0)
        {
            foreach (var (handle, id) in await handles.FindUserIdsAsync(unknown, cancellationToken).ConfigureAwait(false))
            {
                ids[handle] = id;
            }
        }

        return ids;
    }

    private async Task<List<ChatUser>> WithHandlesAsync(List<ChatUser> found, CancellationToken cancellationToken)
    {
        var missing = found.Where(u => !cache.TryGet(u.Id, out _)).ToDictionary(u => u.Id, u => Propose(u.UserName));
        if (missing.Count > 0)
        {
            foreach (var (id, handle) in await handles.GetOrCreateHandlesAsync(missing, cancellationToken).ConfigureAwait(false))
            {
                cache.Add(id, handle);
            }
        }

        return found.Select(u => u with { UserName = cache.TryGet(u.Id, out var handle) ? handle : Propose(u.UserName) }).ToList();
    }
}
