using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// Reads the host's own user entity as chat users, given where its id, user name and display name
/// live: an app with Identity (or any user table) points ChatEngine at it in one line, nothing copied.
/// </summary>
internal sealed class EntityFrameworkUserDirectory<TContext, TUser>(Func<TContext> context, UserDirectoryMapping<TUser> mapping)
    : IChatUserDirectory
    where TContext : DbContext
    where TUser : class
{
    // The scope's context is taken when a lookup runs, not when a service using the directory is made.
    private IQueryable<TUser> Users => context().Set<TUser>().AsNoTracking();

    public async Task<ChatUser?> FindByIdAsync(long userId, CancellationToken cancellationToken) =>
        await Users.Where(mapping.IdIs(userId)).Select(mapping.ToChatUser).FirstOrDefaultAsync(cancellationToken);

    public async Task<ChatUser?> FindByUserNameAsync(string userName, CancellationToken cancellationToken) =>
        await Users.Where(mapping.UserNameIs(userName)).Select(mapping.ToChatUser).FirstOrDefaultAsync(cancellationToken);

    public async Task<IReadOnlyDictionary<long, ChatUser>> GetByIdsAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
    {
        var users = await Users.Where(mapping.IdIn(userIds.ToArray())).Select(mapping.ToChatUser).ToListAsync(cancellationToken);
        return users.ToDictionary(u => u.Id);
    }

    public async Task<IReadOnlyList<ChatUser>> GetByUserNamesAsync(IReadOnlyCollection<string> userNames, CancellationToken cancellationToken) =>
        await Users.Where(mapping.UserNameIn(userNames)).Select(mapping.ToChatUser).ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<ChatUser>> SearchAsync(string term, long excludedUserId, int limit, CancellationToken cancellationToken) =>
        await Users.Where(mapping.Matches(term, excludedUserId))
            .OrderBy(mapping.UserName)
            .Take(limit)
            .Select(mapping.ToChatUser)
            .ToListAsync(cancellationToken);
}

/// <summary>
/// Builds the directory's queries from the host's property selectors. User names compare upper-cased
/// on both sides, which SQLite and PostgreSQL both translate (<c>upper()</c>), so matching ignores case
/// whatever the column's collation.
/// </summary>
internal sealed class UserDirectoryMapping<TUser>
{
    private readonly ParameterExpression _user;
    private readonly Expression _id;
    private readonly Expression _userName;
    private readonly Expression _upperUserName;

    public UserDirectoryMapping(
        Expression<Func<TUser, long>> id,
        Expression<Func<TUser, string?>> userName,
        Expression<Func<TUser, string?>>? displayName)
    {
        _user = Expression.Parameter(typeof(TUser), "user");
        _id = Rebind(id, _user);
        _userName = Rebind(userName, _user);
        _upperUserName = Expression.Call(_userName, typeof(string).GetMethod(nameof(string.ToUpper), Type.EmptyTypes)!);
        UserName = Expression.Lambda<Func<TUser, string?>>(_userName, _user);

        var constructor = typeof(ChatUser).GetConstructor([typeof(long), typeof(string), typeof(string)])!;
        var display = displayName is null ? Expression.Constant(null, typeof(string)) : Rebind(displayName, _user);
        ToChatUser = Expression.Lambda<Func<TUser, ChatUser>>(Expression.New(constructor, _id, _userName, display), _user);
    }

    public Expression<Func<TUser, string?>> UserName { get; }

    public Expression<Func<TUser, ChatUser>> ToChatUser { get; }

    public Expression<Func<TUser, bool>> IdIs(long userId) => Where(Expression.Equal(_id, Value(userId)));

    public Expression<Func<TUser, bool>> IdIn(long[] userIds) => Where(Contains(Value(userIds), _id));

    public Expression<Func<TUser, bool>> UserNameIs(string userName) =>
        Where(Expression.Equal(_upperUserName, Value(userName.ToUpperInvariant())));

    public Expression<Func<TUser, bool>> UserNameIn(IEnumerable<string> userNames) =>
        Where(Contains(Value(userNames.Select(n => n.ToUpperInvariant()).ToArray()), _upperUserName));

    public Expression<Func<TUser, bool>> Matches(string term, long excludedUserId) =>
        Where(Expression.AndAlso(
            Expression.NotEqual(_id, Value(excludedUserId)),
            Expression.Call(_upperUserName, typeof(string).GetMethod(nameof(string.Contains), [typeof(string)])!, Value(term.ToUpperInvariant()))));

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
