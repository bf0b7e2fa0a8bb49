using Microsoft.EntityFrameworkCore;

namespace ChatEngine.EFCore.Tests;

/// <summary>An application's own DbContext that also holds chat: one database, one model.</summary>
public sealed class HostAppDbContext(DbContextOptions<HostAppDbContext> options) : DbContext(options)
{
    public DbSet<Invoice> Invoices => Set<Invoice>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<Invoice>().HasKey(i => i.Id);
        modelBuilder.UseChatEngine();
    }
}

public sealed class Invoice
{
    public int Id { get; set; }

    public decimal Amount { get; set; }
}
