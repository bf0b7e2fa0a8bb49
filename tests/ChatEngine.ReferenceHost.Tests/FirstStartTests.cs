using ChatEngine.AspNetCore.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace ChatEngine.ReferenceHost.Tests;

public sealed class FirstStartTests
{
    /// <summary>
    /// Hosted services start in order, and some read the database as they start (Data Protection's key
    /// ring, the outbox worker): on a fresh database they failed before the migrator had made the tables.
    /// </summary>
    [Fact]
    public async Task AFreshDatabase_IsMigratedBeforeAnythingReadsIt_SoTheFirstStartLogsNoFailure()
    {
        var logs = new LogCapture();
        await using var host = new ReferenceHostFactory { TestServices = services => services.AddSingleton<ILoggerProvider>(logs) };
        using var client = host.NewClient();
        using var response = await client.GetAsync("/");

        Assert.True(response.IsSuccessStatusCode || (int)response.StatusCode is >= 300 and < 400, $"The host answered {response.StatusCode}.");
        Assert.Empty(logs.Entries.Where(e => e.Level >= LogLevel.Error || (e.Level >= LogLevel.Warning && e.Category.StartsWith("ChatEngine", StringComparison.Ordinal)))
            .Select(e => $"{e.Level} {e.Category}: {e.Message}"));
    }
}
