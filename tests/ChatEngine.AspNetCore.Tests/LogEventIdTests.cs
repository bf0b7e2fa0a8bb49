using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>Operators alert on log event ids: the README's table must list every one the packages log, at its level.</summary>
public sealed class LogEventIdTests
{
    private static readonly Assembly[] Packages =
    [
        typeof(ChatEngineOptions).Assembly,
        typeof(ChatWebhookOptions).Assembly,
        typeof(ChatEngineEntityFrameworkBuilderExtensions).Assembly,
        typeof(ChatEngineScaleOutBuilderExtensions).Assembly,
        typeof(ChatEngineImagingBuilderExtensions).Assembly,
        typeof(ChatEngineAzureBuilderExtensions).Assembly,
    ];

    [Fact]
    public void EveryEventIdThePackagesLog_IsInTheReadmesTable_AtItsLevel()
    {
        var logged = Packages
            .SelectMany(assembly => assembly.GetTypes())
            .SelectMany(type => type.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(method => method.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .Select(message => (message.EventId, message.Level))
            .ToHashSet();

        Assert.NotEmpty(logged);
        Assert.Equal(logged.Order(), ReadmeTable().Order());
    }

    /// <summary>The rows of the README's "Log event ids" table; "3201 / 3202" with "Information / Error" is two rows.</summary>
    private static HashSet<(int EventId, LogLevel Level)> ReadmeTable()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "README.md"));
        var rows = lines.SkipWhile(line => line != "### Log event ids").Skip(1)
            .SkipWhile(line => !line.StartsWith('|')).Skip(2)
            .TakeWhile(line => line.StartsWith('|'));
        var listed = new HashSet<(int, LogLevel)>();
        foreach (var row in rows)
        {
            var cells = row.Split('|', StringSplitOptions.TrimEntries);
            var ids = cells[1].Split('/', StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
            var levels = cells[2].Split('/', StringSplitOptions.TrimEntries).Select(Enum.Parse<LogLevel>).ToArray();
            for (var i = 0; i < ids.Length; i++)
            {
                listed.Add((ids[i], levels.Length == 1 ? levels[0] : levels[i]));
            }
        }

        return listed;
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "ChatEngine.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("ChatEngine.sln not found above " + AppContext.BaseDirectory);
    }
}
