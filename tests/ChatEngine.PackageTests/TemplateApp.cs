using System.Text.RegularExpressions;

namespace ChatEngine.PackageTests;

/// <summary>
/// An app made by <c>dotnet new</c> from one of the SDK's templates, with exactly the README's blocks
/// for that template applied (<c>&lt;!-- template NAME: FILE after|before "ANCHOR" --&gt;</c>, each
/// put after or before the first line holding the anchor) and the packed packages added.
/// </summary>
public abstract partial class TemplateApp(string template, params string[] options) : PackagedApp
{
    private const string ProjectName = "MyApp";

    protected override string ProjectFolder => Path.Combine(Folder, ProjectName);

    protected override async Task CreateAsync(string version)
    {
        await Dotnet.RunAsync(Folder, TimeSpan.FromMinutes(2), ["new", template, .. options, "-o", ProjectName, "--no-restore"]);
        foreach (var block in ReadmeBlocks(template))
        {
            var path = Path.Combine(ProjectFolder, block.File);
            await File.WriteAllTextAsync(path, Apply(await File.ReadAllTextAsync(path), block));
        }

        foreach (var package in new[] { "ChatEngine.AspNetCore", "ChatEngine.EFCore" })
        {
            await Dotnet.RunAsync(ProjectFolder, TimeSpan.FromMinutes(2), "add", "package", package, "--version", version, "--no-restore");
        }
    }

    /// <summary>The README's blocks for <paramref name="name"/>, in order; a template without any is a broken README.</summary>
    public static IReadOnlyList<ReadmeBlock> ReadmeBlocks(string name)
    {
        var readme = File.ReadAllText(Path.Combine(ChatEnginePackages.RepositoryRoot, "README.md"));
        var blocks = BlockPattern().Matches(readme)
            .Where(m => m.Groups["template"].Value == name)
            .Select(m => new ReadmeBlock(m.Groups["file"].Value, m.Groups["where"].Value == "after", m.Groups["anchor"].Value, m.Groups["code"].Value))
            .ToList();
        return blocks.Count > 0 ? blocks : throw new InvalidOperationException($"README.md has no blocks for the {name} template.");
    }

    private static string Apply(string text, ReadmeBlock block)
    {
        var lines = text.Split('\n').ToList();
        var at = lines.FindIndex(line => line.Contains(block.Anchor, StringComparison.Ordinal));
        if (at < 0)
        {
            throw new InvalidOperationException($"The template's {block.File} has no line with \"{block.Anchor}\", which the README says to add code {(block.After ? "after" : "before")}.");
        }

        lines.InsertRange(block.After ? at + 1 : at, block.Code.Split('\n'));
        return string.Join('\n', lines);
    }

    [GeneratedRegex("""<!-- template (?<template>[\w-]+): (?<file>\S+) (?<where>after|before) "(?<anchor>[^"]+)" -->\s*```\w+\n(?<code>.*?)\n```""", RegexOptions.Singleline)]
    private static partial Regex BlockPattern();
}

/// <summary>Code the README says to put into a template's file, after or before the first line holding the anchor.</summary>
public sealed record ReadmeBlock(string File, bool After, string Anchor, string Code);

/// <summary><c>dotnet new webapp --auth Individual</c>: Razor Pages with Identity's UI.</summary>
public sealed class WebAppTemplateApp() : TemplateApp("webapp", "--auth", "Individual");

/// <summary><c>dotnet new blazor --auth Individual</c>: the SDK's default web template, with Identity's Razor components.</summary>
public sealed class BlazorTemplateApp() : TemplateApp("blazor", "--auth", "Individual");
