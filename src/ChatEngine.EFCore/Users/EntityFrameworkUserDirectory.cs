using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// Reads the host's own user entity as chat users, given where its key, public handle and display
/// name live: an app with Identity (or any user table) points ChatEngine at it in one line, nothing
/// copied. The users' keys become chat user ids through <see cref="UserKeyIds{TKey}"/>, so the user
/// table is never joined to chat's tables and chat may keep a database of its own.
/// </summary>
internal sealed class EntityFrameworkUserDirectory<TContext, TUser, TKey>(
    Func<TContext> context, UserDirectoryMapping<TUser, TKey> mapping, UserKeyIds<TKey> ids)
    : IChatUserDirectory
    where TContext : DbContext
    where TUser : class
    where TKey : notnull
{
    // The scope's context is taken when a lookup runs, not when a service using the directory is made.
    private IQueryable<TUser> Users => context().Set<TUser>().AsNoTracking();

    public async Task<ChatUser?> FindByIdAsync(long userId, CancellationToken cancellationToken)
    {
        var keys = await ids.FindKeysAsync([userId], cancellationToken).ConfigureAwait(false);
        if (!keys.TryGetValue(userId, out var key))
        {
            return null;
        }

        var row = await Users.Where(mapping.KeyIs(key)).Select(mapping.ToRow).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return row is null ? null : row.ToChatUser(userId);
    }

    public async Task<ChatUser?> FindByUserNameAsync(string userName, CancellationToken cancellationToken)
    {
        var row = await Users.Where(mapping.UserNameIs(userName)).Select(mapping.ToRow).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return row is null ? null : (await ToChatUsersAsync([row], cancellationToken).ConfigureAwait(false)).FirstOrDefault();
    }

    public async Task<IReadOnlyDictionary<long, ChatUser>> GetByIdsAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
    {
        var keys = await ids.FindKeysAsync(userIds, cancellationToken).ConfigureAwait(false);
        if (keys.Count == 0)
        {
            return new Dictionary<long, ChatUser>();
        }

        var idsByKey = keys.ToDictionary(pair => pair.Value, pair => pair.Key);
        var rows = await Users.Where(mapping.KeyIn(idsByKey.Keys.ToArray())).Select(mapping.ToRow).ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.Where(row => idsByKey.ContainsKey(row.Key)).ToDictionary(row => idsByKey[row.Key], row => row.ToChatUser(idsByKey[row.Key]));
    }

    public async Task<IReadOnlyList<ChatUser>> GetByUserNamesAsync(IReadOnlyCollection<string> userNames, CancellationToken cancellationToken)
    {
        var rows = await Users.Where(mapping.UserNameIn(userNames)).Select(mapping.ToRow).ToListAsync(cancellationToken).ConfigureAwait(false);
        return await ToChatUsersAsync(rows, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ChatUser>> SearchAsync(string term, long excludedUserId, int limit, CancellationToken cancellationToken)
    {
        var excluded = await ids.FindKeysAsync([excludedUserId], cancellationToken).ConfigureAwait(false);
        var rows = await Users.Where(mapping.Matches(term, excluded.TryGetValue(excludedUserId, out var key) ? key : default, excluded.Count > 0))
            .OrderBy(mapping.UserName)
            .Take(limit)
            .Select(mapping.ToRow)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        // Users found here who never opened chat get their chat id now.
        return await ToChatUsersAsync(rows, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<long?> FindIdByKeyAsync(string userKey, CancellationToken cancellationToken) =>
        ids.TryParse(userKey, out var key) ? (await ids.GetIdsAsync([key], cancellationToken).ConfigureAwait(false))[key] : null;

    private async Task<IReadOnlyList<ChatUser>> ToChatUsersAsync(IReadOnlyList<UserRow<TKey>> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        var idsByKey = await ids.GetIdsAsync(rows.Select(row => row.Key).ToArray(), cancellationToken).ConfigureAwait(false);
        return rows.Select(row => row.ToChatUser(idsByKey[row.Key])).ToList();
    }
}

/// <summary>What the directory reads of one user.</summary>
internal sealed record UserRow<TKey>(TKey Key, string? UserName, string? DisplayName)
{
    public ChatUser ToChatUser(long id) => new(id, UserName ?? "", DisplayName);
}

/// <summary>
/// Builds the directory's queries from the host's property selectors. User names compare upper-cased
/// on both sides, which SQLite and PostgreSQL both translate (<c>upper()</c>), so matching ignores case
/// whatever the column's collation.
/// </summary>
internal sealed class UserDirectoryMapping<TUser, TKey>
{
    private readonly ParameterExpression _user;
    private readonly Expression _key;
    private readonly Expression _userName;
    private readonly Expression _upperUserName;

    public UserDirectoryMapping(
        Expression<Func<TUser, TKey>> key,
        Expression<Func<TUser, string?>> userName,
        Expression<Func<TUser, string?>>? displayName)
    {
        _user = Expression.Parameter(typeof(TUser), "user");
        _key = Rebind(key, _user);
        _userName = Rebind(userName, _user);
        _upperUserName = Expression.Call(_userName, typeof(string).GetMethod(nameof(string.ToUpper), Type.EmptyTypes)!);
        UserName = Expression.Lambda<Func<TUser, string?>>(_userName, _user);

        var constructor = typeof(UserRow<TKey>).GetConstructor([typeof(TKey), typeof(string), typeof(string)])!;
        var display = displayName is null ? Expression.Constant(null, typeof(string)) : Rebind(displayName, _user);
        ToRow = Expression.Lambda<Func<TUser, UserRow<TKey>>>(Expression.New(constructor, _key, _userName, display), _user);
    }

    public Expression<Func<TUser, string?>> UserName { get; }

    public Expression<Func<TUser, UserRow<TKey>>> ToRow { get; }

    public Expression<Func<TUser, bool>> KeyIs(TKey key) => Where(Expression.Equal(_key, Value(key)));

    public Expression<Func<TUser, bool>> KeyIn(TKey[] keys) => Where(Contains(Value(keys), _key));

    public Expression<Func<TUser, bool>> UserNameIs(string userName) =>
        Where(Expression.Equal(_upperUserName, Value(userName.ToUpperInvariant())));

    public Expression<Func<TUser, bool>> UserNameIn(IEnumerable<string> userNames) =>
        Where(Contains(Value(userNames.Select(n => n.ToUpperInvariant()).ToArray()), _upperUserName));

    public Expression<Func<TUser, bool>> Matches(string term, TKey? excludedKey, bool excludes)
    {
        Expression matches = Expression.Call(_upperUserName, typeof(string).GetMethod(nameof(string.Contains), [typeof(string)])!, Value(term.ToUpperInvariant()));
        return Where(excludes ? Expression.AndAlso(Expression.NotEqual(_key, Value(excludedKey!)), matches) : matches);
    }

    private Expression<Func<TUser, bool>> Where(Expression body) => Expression.Lambda<Func<TUser, bool>>(body, _user);

    private static MethodCallExpression Contains(Expression values, Expression item) =>
        Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [item.Type], values, item);

    // A captured variable, not a constant, so EF Core sends the value as a parameter and caches one plan.
    private static Expression Value<T>(T value) => ((Expression<Func<T>>)(() => value)).Body;

    private static Expression Rebind(LambdaExpression selector, ParameterExpression user) =>
        new ParameterRebinder(selector.Parameters[0], user).Visit(selector.Body);

    private sealed class ParameterRebinder(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : node;
    }
}
