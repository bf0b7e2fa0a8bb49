using System.Collections.Concurrent;
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
        var entries = new ConcurrentQueue<(string Category, LogLevel Level, string Message)>();
        await using var host = new ReferenceHostFactory
        {
            TestServices = services => services.AddSingleton<ILoggerProvider>(new RecordingLoggerProvider(entries)),
        };
        using var client = host.NewClient();
        using var response = await client.GetAsync("/");

        Assert.True(response.IsSuccessStatusCode || (int)response.StatusCode is >= 300 and < 400, $"The host answered {response.StatusCode}.");
        Assert.Empty(entries.Where(e => e.Level >= LogLevel.Error || (e.Level >= LogLevel.Warning && e.Category.StartsWith("ChatEngine", StringComparison.Ordinal)))
            .Select(e => $"{e.Level} {e.Category}: {e.Message}"));
    }

    private sealed class RecordingLoggerProvider(ConcurrentQueue<(string, LogLevel, string)> entries) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, entries);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<(string, LogLevel, string)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue((category, logLevel, formatter(state, exception)));
        }
    }
}
