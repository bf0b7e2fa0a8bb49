using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using ReferenceHost.Accounts;

namespace ReferenceHost.Data;

/// <summary>
/// One database for accounts and chat: Identity's tables, the refresh tokens, the browser sessions, and ChatEngine's
/// tables through <c>UseChatEngine()</c>, under one migration history. The Data Protection keys that
/// protect session cookies live here too, so every host behind a load balancer reads the same ones.
/// </summary>
public class ReferenceHostDbContext(DbContextOptions options) : IdentityDbContext<ChatAccount, IdentityRole<long>, long>(options), IDataProtectionKeyContext
{
    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();

    public DbSet<UserSession> Sessions => Set<UserSession>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.UseChatEngine();
        builder.Entity<ChatAccount>(account =>
        {
            account.Property(a => a.FirstName).HasMaxLength(150);
            account.Property(a => a.LastName).HasMaxLength(150);
            account.HasIndex(a => a.SignInsEndedAt); // Each host reads the recent ones every 30 s.
        });
        builder.Entity<RefreshToken>(token =>
        {
            token.ToTable("RefreshTokens");
            token.HasKey(t => t.Id);
            token.Property(t => t.TokenHash).HasMaxLength(64);
            token.HasIndex(t => t.TokenHash).IsUnique();
            token.HasIndex(t => t.FamilyId);
            token.HasOne<ChatAccount>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<UserSession>(session =>
        {
            session.ToTable("UserSessions");
            session.HasKey(t => t.Id);
            session.Property(t => t.Id).HasMaxLength(64);
            session.HasIndex(t => t.UserId);
            session.HasOne<ChatAccount>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}

/// <summary>The host's context on SQLite; its type keys the SQLite migrations.</summary>
public sealed class SqliteReferenceHostDbContext(DbContextOptions<SqliteReferenceHostDbContext> options) : ReferenceHostDbContext(options);

/// <summary>The host's context on PostgreSQL; its type keys the PostgreSQL migrations.</summary>
public sealed class PostgreSqlReferenceHostDbContext(DbContextOptions<PostgreSqlReferenceHostDbContext> options) : ReferenceHostDbContext(options);
