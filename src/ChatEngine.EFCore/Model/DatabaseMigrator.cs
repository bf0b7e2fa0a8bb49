using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>Migrates the chat database at start-up, before the host takes requests.</summary>
internal sealed class DatabaseMigrator<TContext>(IServiceScopeFactory scopes) : IHostedService
    where TContext : DbContext
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        await MigrateAsync(db, cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    internal static async Task MigrateAsync(TContext db, CancellationToken cancellationToken)
    {
        try
        {
            if (db.Database.IsSqlite())
            {
                PrepareSqliteFolder(db);
            }

            await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
            if (db.Database.IsSqlite())
            {
                // WAL lets readers run beside the single writer; the mode is stored in the file.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
            }

            await SearchIndexSql.EnsureAsync(db).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or TimeoutException or IOException)
        {
            throw new InvalidOperationException(
                $"ChatEngine could not open or migrate its database ({Describe(db)}): {ex.GetBaseException().Message} " +
                "Check ConnectionStrings:Chat and that the database server is running and reachable.", ex);
        }
    }

    private static void PrepareSqliteFolder(TContext db)
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = db.Database.GetConnectionString() ?? string.Empty };
        if (builder.TryGetValue("Data Source", out var source) && source is string path && path.Length > 0 && path != ":memory:")
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }
        }
    }

    /// <summary>Names the database without its password.</summary>
    private static string Describe(TContext db)
    {
        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = db.Database.GetConnectionString() ?? string.Empty;
        }
        catch (ArgumentException)
        {
            return db.Database.ProviderName ?? "unknown provider";
        }

        var parts = new[] { "Data Source", "Host", "Server", "Port", "Database" }
            .Where(builder.ContainsKey)
            .Select(key => $"{key}={builder[key]}");
        return $"{db.Database.ProviderName}: {string.Join(";", parts)}";
    }
}
