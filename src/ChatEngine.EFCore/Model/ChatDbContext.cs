using Microsoft.EntityFrameworkCore;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// ChatEngine's own DbContext, for hosts that keep chat in a database of its own. Hosts that want
/// one database call <c>modelBuilder.UseChatEngine()</c> in their own context instead.
/// </summary>
public class ChatDbContext : DbContext
{
    /// <summary>Creates the context.</summary>
    public ChatDbContext(DbContextOptions options)
        : base(options)
    {
    }

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.UseChatEngine();
    }
}

/// <summary>ChatEngine's context on SQLite; its type keys the SQLite migrations.</summary>
public sealed class SqliteChatDbContext(DbContextOptions<SqliteChatDbContext> options) : ChatDbContext(options);

/// <summary>ChatEngine's context on PostgreSQL; its type keys the PostgreSQL migrations.</summary>
public sealed class PostgreSqlChatDbContext(DbContextOptions<PostgreSqlChatDbContext> options) : ChatDbContext(options);
