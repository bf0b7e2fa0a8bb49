using Microsoft.EntityFrameworkCore;
using ReferenceHost.Data;
using Xunit;

namespace ChatEngine.ReferenceHost.Tests;

public sealed class MigrationTests
{
    [Fact]
    public void HostModel_HasNoChangesMissingFromEitherProvidersMigrations()
    {
        using var sqlite = new SqliteReferenceHostDbContext(new DbContextOptionsBuilder<SqliteReferenceHostDbContext>().UseSqlite("Data Source=:memory:").Options);
        using var postgres = new PostgreSqlReferenceHostDbContext(new DbContextOptionsBuilder<PostgreSqlReferenceHostDbContext>().UseNpgsql("Host=localhost;Database=unused").Options);

        Assert.False(sqlite.Database.HasPendingModelChanges(), "The host's model changed: add a SQLite migration (see README).");
        Assert.False(postgres.Database.HasPendingModelChanges(), "The host's model changed: add a PostgreSQL migration (see README).");
    }
}
