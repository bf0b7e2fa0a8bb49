using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace ChatEngine.EntityFrameworkCore;

// Used only by `dotnet ef migrations add`, which needs a context per provider without a host.

internal sealed class SqliteChatDbContextFactory : IDesignTimeDbContextFactory<SqliteChatDbContext>
{
    public SqliteChatDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteChatDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

internal sealed class PostgreSqlChatDbContextFactory : IDesignTimeDbContextFactory<PostgreSqlChatDbContext>
{
    public PostgreSqlChatDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlChatDbContext>().UseNpgsql("Host=localhost;Database=chatengine_design").Options);
}
