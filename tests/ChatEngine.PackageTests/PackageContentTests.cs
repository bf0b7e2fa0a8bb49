using System.IO.Compression;
using System.Xml.Linq;
using Xunit;

namespace ChatEngine.PackageTests;

/// <summary>What a developer finds in each package: metadata, README, docs, symbols, and the web assets.</summary>
public sealed class PackageContentTests(ChatEnginePackages packages) : IClassFixture<ChatEnginePackages>
{
    public static TheoryData<string> Ids => new(ChatEnginePackages.Ids);

    [Theory]
    [MemberData(nameof(Ids))]
    public void Package_CarriesFullMetadata_AndOneSharedVersion(string id)
    {
        var metadata = ReadNuspec(id);
        string Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";

        Assert.Equal(id, Field("id"));
        Assert.Equal(packages.Version, Field("version"));
        Assert.False(string.IsNullOrWhiteSpace(Field("description")));
        Assert.False(string.IsNullOrWhiteSpace(Field("authors")));
        Assert.Contains("chat", Field("tags"), StringComparison.Ordinal);
        Assert.Equal("README.md", Field("readme"));
        var license = metadata.Elements().Single(e => e.Name.LocalName == "license");
        Assert.Equal(("expression", "MIT"), (license.Attribute("type")?.Value, license.Value));
        var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
        Assert.Equal("git", repository.Attribute("type")?.Value);
        Assert.False(string.IsNullOrEmpty(repository.Attribute("url")?.Value));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Package_HasItsReadme_Documentation_AndSymbols(string id)
    {
        using var package = ZipFile.OpenRead(packages.PathOf(id));
        var entries = package.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("README.md", entries);
        Assert.Contains($"lib/net10.0/{id}.dll", entries);
        Assert.Contains($"lib/net10.0/{id}.xml", entries);

        using var symbols = ZipFile.OpenRead(packages.PathOf(id, "snupkg"));
        Assert.Contains(symbols.Entries, e => e.FullName == $"lib/net10.0/{id}.pdb");
    }

    [Fact]
    public void AspNetCorePackage_ShipsThePagesScriptsAndStyles()
    {
        using var package = ZipFile.OpenRead(packages.PathOf("ChatEngine.AspNetCore"));
        var entries = package.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("staticwebassets/chatengine.js", entries);
        Assert.Contains("staticwebassets/chatengine.css", entries);
        Assert.Contains("build/Microsoft.AspNetCore.StaticWebAssets.props", entries);
    }

    [Fact]
    public void Packages_DependOnEachOther_AtTheSameVersion()
    {
        foreach (var (id, dependsOn) in new[]
        {
            ("ChatEngine.EFCore", "ChatEngine"), ("ChatEngine.AspNetCore", "ChatEngine"), ("ChatEngine.Redis", "ChatEngine.AspNetCore"),
            ("ChatEngine.Imaging", "ChatEngine"), ("ChatEngine.Azure", "ChatEngine"),
        })
        {
            var dependency = Dependencies(id).Single(e => e.Attribute("id")?.Value == dependsOn);
            Assert.Equal(packages.Version, dependency.Attribute("version")?.Value);
        }
    }

    [Fact]
    public void AnAppOnOneHost_PullsNoRedisClient()
    {
        // Scale-out lives in ChatEngine.Redis: the chat packages themselves reference no Redis client
        // (nor MessagePack, which SignalR's Redis backplane brings).
        foreach (var id in new[] { "ChatEngine", "ChatEngine.EFCore", "ChatEngine.AspNetCore" })
        {
            Assert.DoesNotContain(Dependencies(id), e => e.Attribute("id")?.Value is { } dependency
                && (dependency.Contains("Redis", StringComparison.OrdinalIgnoreCase) || dependency.Contains("MessagePack", StringComparison.OrdinalIgnoreCase)));
        }

        Assert.Contains(Dependencies("ChatEngine.Redis"), e => e.Attribute("id")?.Value == "Microsoft.AspNetCore.SignalR.StackExchangeRedis");
    }

    [Fact]
    public void AnAppThatKeepsFilesOnDisk_PullsNoAzureSdk_AndNoImagingLibrary()
    {
        // Azure Blob Storage and SkiaSharp each live in their own package, which an app adds when it wants them.
        foreach (var id in new[] { "ChatEngine", "ChatEngine.EFCore", "ChatEngine.AspNetCore", "ChatEngine.Redis" })
        {
            Assert.DoesNotContain(Dependencies(id), e => e.Attribute("id")?.Value is { } dependency
                && (dependency.StartsWith("Azure.", StringComparison.Ordinal) || dependency.StartsWith("SkiaSharp", StringComparison.Ordinal)));
        }

        Assert.Contains(Dependencies("ChatEngine.Azure"), e => e.Attribute("id")?.Value == "Azure.Storage.Blobs");
        Assert.Contains(Dependencies("ChatEngine.Imaging"), e => e.Attribute("id")?.Value == "SkiaSharp.NativeAssets.Linux");
    }

    private IEnumerable<XElement> Dependencies(string id) => ReadNuspec(id).Descendants().Where(e => e.Name.LocalName == "dependency");

    private XElement ReadNuspec(string id)
    {
        using var package = ZipFile.OpenRead(packages.PathOf(id));
        using var stream = package.GetEntry($"{id}.nuspec")!.Open();
        return XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }
}
