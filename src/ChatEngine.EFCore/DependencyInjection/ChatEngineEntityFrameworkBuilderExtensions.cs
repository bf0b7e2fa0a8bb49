using System.Linq.Expressions;
using ChatEngine;
using ChatEngine.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ChatEngine's EF Core stores.</summary>
public static class ChatEngineEntityFrameworkBuilderExtensions
{
    /// <summary>
    /// Stores chat in <typeparamref name="TContext"/>, whose model must call <c>modelBuilder.UseChatEngine()</c>
    /// (ChatEngine's own <see cref="ChatDbContext"/> does). Register the context itself with <c>AddDbContext</c>.
    /// </summary>
    public static ChatEngineBuilder AddEntityFrameworkStores<TContext>(this ChatEngineBuilder builder, Action<GroupCommitOptions>? configure = null)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<GroupCommitOptions>()
            .Validate(o => o.MaxBatchSize > 0 && o.QueueCapacity > 0 && o.MaxRetries >= 0,
                "ChatEngine group commit: MaxBatchSize and QueueCapacity must be greater than 0, MaxRetries at least 0.")
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<GroupCommitWriter<TContext>>();
        // Whoever registered the context (AddDbContext, AddDbContextPool): its SQLite connections wait
        // for the write lock in SQLite, not in 150 ms sleeps. Other providers are left as they are.
        services.ConfigureDbContext<TContext>(o => o.AddInterceptors(SqliteBusyTimeoutInterceptor.Instance));
        // The stores take the scope's context only when they query: a send (which only appends, through
        // the write loop) then rents no pooled context. Read marks go through the write loop too.
        services.TryAddScoped(sp => new EntityFrameworkChatStore<TContext>(sp.GetRequiredService<TContext>, sp.GetRequiredService<GroupCommitWriter<TContext>>()));
        services.TryAddScoped<IChatStore>(sp => sp.GetRequiredService<EntityFrameworkChatStore<TContext>>());
        services.TryAddScoped<IChatMemberStore>(sp => sp.GetRequiredService<EntityFrameworkChatStore<TContext>>());
        services.TryAddScoped<ILastSeenStore>(sp => sp.GetRequiredService<EntityFrameworkChatStore<TContext>>());
        services.TryAddScoped<IChatUserKeyStore>(sp => new EntityFrameworkUserKeyStore<TContext>(sp.GetRequiredService<TContext>));
        services.TryAddScoped<IChatHandleStore>(sp => new EntityFrameworkHandleStore<TContext>(sp.GetRequiredService<TContext>));
        services.TryAddScoped<IChatOutboxStore>(sp => new EntityFrameworkOutboxStore<TContext>(sp.GetRequiredService<TContext>));
        services.TryAddScoped<IChatPushSubscriptionStore>(sp => new EntityFrameworkPushSubscriptionStore<TContext>(sp.GetRequiredService<TContext>));
        services.TryAddScoped<IChatModerationStore>(sp => new EntityFrameworkModerationStore<TContext>(sp.GetRequiredService<TContext>));
        services.TryAddScoped(sp => new EntityFrameworkUserDataStore<TContext>(sp.GetRequiredService<TContext>));
        services.TryAddScoped<IChatUserDataStore>(sp => sp.GetRequiredService<EntityFrameworkUserDataStore<TContext>>());
        services.TryAddScoped<IMessageRetentionStore>(sp => sp.GetRequiredService<EntityFrameworkUserDataStore<TContext>>());
        services.TryAddScoped<ISearchIndex>(sp => new EntityFrameworkSearchIndex<TContext>(sp.GetRequiredService<TContext>));
        services.TryAddScoped<IMessageStore>(sp => new EntityFrameworkMessageStore<TContext>(sp.GetRequiredService<TContext>, sp.GetRequiredService<GroupCommitWriter<TContext>>()));
        // A chat's membership changes run in one database transaction holding the chat's row.
        services.Replace(ServiceDescriptor.Scoped<IChatUnitOfWork>(sp => new EntityFrameworkChatUnitOfWork<TContext>(sp.GetRequiredService<TContext>)));
        return builder;
    }

    /// <summary>
    /// Stores chat in a SQLite database (created and migrated at start-up, in WAL mode).
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="connectionString">For example <c>Data Source=App_Data/chat.db</c>.</param>
    public static ChatEngineBuilder AddSqliteStores(this ChatEngineBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        builder.Services.AddDbContext<SqliteChatDbContext>(o => o.UseSqlite(connectionString));
        return builder.AddEntityFrameworkStores<SqliteChatDbContext>().AddDatabaseMigration<SqliteChatDbContext>();
    }

    /// <summary>Stores chat in a PostgreSQL database (migrated at start-up).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="connectionString">An Npgsql connection string.</param>
    public static ChatEngineBuilder AddPostgreSqlStores(this ChatEngineBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        builder.Services.AddDbContext<PostgreSqlChatDbContext>(o => o.UseNpgsql(connectionString));
        return builder.AddEntityFrameworkStores<PostgreSqlChatDbContext>().AddDatabaseMigration<PostgreSqlChatDbContext>();
    }

    /// <summary>
    /// Stores chat in the database that configuration names: <c>Database:Provider</c> is <c>Sqlite</c>
    /// (the default) or <c>PostgreSql</c>, and <c>ConnectionStrings:Chat</c> is the connection string
    /// (default for SQLite: <c>App_Data/chat.db</c> under <paramref name="contentRootPath"/>). Migrations run at start-up.
    /// </summary>
    public static ChatEngineBuilder AddConfiguredDatabase(this ChatEngineBuilder builder, IConfiguration configuration, string contentRootPath)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        var provider = configuration["Database:Provider"];
        var connectionString = configuration.GetConnectionString("Chat");
        if (string.IsNullOrWhiteSpace(provider) || provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            return builder.AddSqliteStores(string.IsNullOrWhiteSpace(connectionString)
                ? $"Data Source={Path.Combine(contentRootPath, "App_Data", "chat.db")}"
                : connectionString);
        }

        if (provider.Equals("PostgreSql", StringComparison.OrdinalIgnoreCase) || provider.Equals("Postgres", StringComparison.OrdinalIgnoreCase))
        {
            return builder.AddPostgreSqlStores(string.IsNullOrWhiteSpace(connectionString)
                ? throw new InvalidOperationException("Database:Provider is PostgreSql, so ConnectionStrings:Chat must hold its connection string (for example Host=localhost;Database=chat;Username=chat;Password=...).")
                : connectionString);
        }

        throw new InvalidOperationException($"Database:Provider '{provider}' is not supported: use Sqlite (the default) or PostgreSql.");
    }

    /// <summary>
    /// Applies <typeparamref name="TContext"/>'s pending migrations when the host starts (opt-in), and
    /// fails start-up with a message naming the database when it cannot be reached.
    /// </summary>
    public static ChatEngineBuilder AddDatabaseMigration<TContext>(this ChatEngineBuilder builder)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!builder.Services.Any(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(DatabaseMigrator<TContext>)))
        {
            // First of the hosted services, which start in order: others read the database as they start
            // (Data Protection's key ring, the outbox worker, the app's own), and on a fresh one failed.
            builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, DatabaseMigrator<TContext>>());
        }

        return builder;
    }

    // One overload per key type, each with the optional display name: they differ in the key's type,
    // which the compiler picks from the selector, so the optional parameter cannot make calls ambiguous.
#pragma warning disable RS0026
    /// <summary>
    /// Reads chat users from the app's own user entity in <typeparamref name="TContext"/>, for example
    /// Identity's: <c>.AddUserDirectory&lt;AppDbContext, AppUser&gt;(u =&gt; u.Id, u =&gt; u.UserName)</c>.
    /// Handles match ignoring case; search is a substring match on the handle. This overload is for
    /// numeric keys, which are the chat user ids themselves.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="id">The user's key, which the principal's <c>NameIdentifier</c> or <c>sub</c> claim carries.</param>
    /// <param name="userName">
    /// The public handle: unique, shown to other users and searched. Map something other than the login
    /// name when login names are e-mail addresses, or every user's address is shown to strangers.
    /// </param>
    /// <param name="displayName">An optional friendlier name.</param>
    public static ChatEngineBuilder AddUserDirectory<TContext, TUser>(
        this ChatEngineBuilder builder,
        Expression<Func<TUser, long>> id,
        Expression<Func<TUser, string?>> userName,
        Expression<Func<TUser, string?>>? displayName = null)
        where TContext : DbContext
        where TUser : class =>
        builder.AddUserDirectory<TContext, TUser, long>(id, userName, displayName, _ => NumericUserKeyIds<long>.Int64);

    /// <summary>
    /// Reads chat users from the app's own user entity, whose keys are <see langword="int"/>: they are
    /// the chat user ids themselves. See the <see langword="long"/> overload.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="id">The user's key, which the principal's <c>NameIdentifier</c> or <c>sub</c> claim carries.</param>
    /// <param name="userName">The public handle: unique, shown to other users and searched.</param>
    /// <param name="displayName">An optional friendlier name.</param>
    public static ChatEngineBuilder AddUserDirectory<TContext, TUser>(
        this ChatEngineBuilder builder,
        Expression<Func<TUser, int>> id,
        Expression<Func<TUser, string?>> userName,
        Expression<Func<TUser, string?>>? displayName = null)
        where TContext : DbContext
        where TUser : class =>
        builder.AddUserDirectory<TContext, TUser, int>(id, userName, displayName, _ => NumericUserKeyIds<int>.Int32);

    /// <summary>
    /// Reads chat users from the app's own user entity, whose keys are strings (Identity's default
    /// <c>IdentityUser</c>): <c>.AddUserDirectory&lt;ApplicationDbContext, IdentityUser&gt;(u =&gt; u.Id, u =&gt; u.UserName)</c>.
    /// The wire carries numeric user ids, so ChatEngine gives each key one of its own, kept by the
    /// store (table <c>ChatEngineUserKeys</c>) on first sight and cached; chat may share the app's
    /// database or keep its own. See the <see langword="long"/> overload.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="id">The user's key, which the principal's <c>NameIdentifier</c> or <c>sub</c> claim carries (at most 256 characters).</param>
    /// <param name="userName">The public handle: unique, shown to other users and searched.</param>
    /// <param name="displayName">An optional friendlier name.</param>
    public static ChatEngineBuilder AddUserDirectory<TContext, TUser>(
        this ChatEngineBuilder builder,
        Expression<Func<TUser, string>> id,
        Expression<Func<TUser, string?>> userName,
        Expression<Func<TUser, string?>>? displayName = null)
        where TContext : DbContext
        where TUser : class =>
        builder.AddUserDirectory<TContext, TUser, string>(id, userName, displayName, StoredUserKeyIds<string>.Strings).RequireUserKeyStore();

    /// <summary>
    /// Reads chat users from the app's own user entity, whose keys are GUIDs; ChatEngine gives each
    /// one a numeric id of its own, as for string keys.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="id">The user's key, which the principal's <c>NameIdentifier</c> or <c>sub</c> claim carries.</param>
    /// <param name="userName">The public handle: unique, shown to other users and searched.</param>
    /// <param name="displayName">An optional friendlier name.</param>
    public static ChatEngineBuilder AddUserDirectory<TContext, TUser>(
        this ChatEngineBuilder builder,
        Expression<Func<TUser, Guid>> id,
        Expression<Func<TUser, string?>> userName,
        Expression<Func<TUser, string?>>? displayName = null)
        where TContext : DbContext
        where TUser : class =>
        builder.AddUserDirectory<TContext, TUser, Guid>(id, userName, displayName, StoredUserKeyIds<Guid>.Guids).RequireUserKeyStore();

#pragma warning restore RS0026

    private static ChatEngineBuilder RequireUserKeyStore(this ChatEngineBuilder builder)
    {
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<ChatEngineOptions>, UserKeyStoreValidator>());
        return builder;
    }

    private static ChatEngineBuilder AddUserDirectory<TContext, TUser, TKey>(
        this ChatEngineBuilder builder,
        Expression<Func<TUser, TKey>> id,
        Expression<Func<TUser, string?>> userName,
        Expression<Func<TUser, string?>>? displayName,
        Func<IServiceProvider, UserKeyIds<TKey>> ids)
        where TContext : DbContext
        where TUser : class
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(userName);
        var mapping = new UserDirectoryMapping<TUser, TKey>(id, userName, displayName);
        builder.Services.RemoveAll<IChatUserDirectory>();
        builder.Services.AddScoped<IChatUserDirectory>(sp => new EntityFrameworkUserDirectory<TContext, TUser, TKey>(sp.GetRequiredService<TContext>, mapping, ids(sp)));
        return builder;
    }
}
