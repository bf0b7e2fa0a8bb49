using ChatEngine.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ChatEngine.EFCore.Tests;

public sealed class ConfiguredDatabaseTests
{
    [Fact]
    public void NoProvider_MeansSqliteInTheAppDataFolder()
    {
        using var provider = Build(new Dictionary<string, string?>(), out var root);

        var db = provider.CreateScope().ServiceProvider.GetRequiredService<SqliteChatDbContext>();

        Assert.True(db.Database.IsSqlite());
        Assert.Contains(Path.Combine(root, "App_Data", "chat.db"), db.Database.GetConnectionString(), StringComparison.Ordinal);
    }

    [Fact]
    public void PostgreSql_UsesTheChatConnectionString()
    {
        using var provider = Build(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "PostgreSql",
            ["ConnectionStrings:Chat"] = "Host=db.internal;Database=chat;Username=chat",
        }, out _);

        var db = provider.CreateScope().ServiceProvider.GetRequiredService<PostgreSqlChatDbContext>();

        Assert.True(db.Database.IsNpgsql());
        Assert.Contains("Host=db.internal", db.Database.GetConnectionString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PostgreSql", null, "ConnectionStrings:Chat must hold")]
    [InlineData("Oracle", null, "Database:Provider 'Oracle' is not supported")]
    public void MissingOrUnknownSettings_FailWithAMessageThatSaysWhatToFix(string provider, string? connectionString, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build(new Dictionary<string, string?>
        {
            ["Database:Provider"] = provider,
            ["ConnectionStrings:Chat"] = connectionString,
        }, out _));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings, out string root)
    {
        root = Path.GetTempPath();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddChatEngineCore().AddConfiguredDatabase(configuration, root);
        return services.BuildServiceProvider();
    }
}
