using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace ReferenceHost.Data;

// Used only by `dotnet ef migrations add`, which needs a context per provider without the host.

internal sealed class SqliteReferenceHostDbContextFactory : IDesignTimeDbContextFactory<SqliteReferenceHostDbContext>
{
    public SqliteReferenceHostDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteReferenceHostDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

internal sealed class PostgreSqlReferenceHostDbContextFactory : IDesignTimeDbContextFactory<PostgreSqlReferenceHostDbContext>
{
    public PostgreSqlReferenceHostDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlReferenceHostDbContext>().UseNpgsql("Host=localhost;Database=chatengine_design").Options);
}
