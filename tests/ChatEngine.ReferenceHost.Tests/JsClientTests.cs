using System.Diagnostics;
using Xunit;

namespace ChatEngine.ReferenceHost.Tests;

/// <summary>
/// The npm package of the JavaScript client (<c>clients/chatengine-js</c>), installed from its packed
/// tarball into an empty Node project as an app would, chats through a running reference host.
/// </summary>
public sealed class JsClientTests
{
    [Fact]
    public async Task ThePackedNpmClient_ChatsThroughARunningHost()
    {
        await using var host = new ReferenceHostFactory();
        var project = Directory.CreateTempSubdirectory("chatengine-js-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(project, "package.json"), """{ "name": "client-test", "private": true, "type": "module" }""");
            File.Copy(Path.Combine(AppContext.BaseDirectory, "JsClient", "chat-through-the-client.mjs"), Path.Combine(project, "chat.mjs"));
            await RunAsync(project, "npm", "install", "--offline", "--no-audit", "--no-fund", await JsClientPackage.TarballAsync());

            // Node has WebSocket built in from 22; Node 20 (Debian's) has it behind a flag.
            var major = int.Parse((await RunAsync(project, "node", "--version")).TrimStart('v').Split('.')[0], System.Globalization.CultureInfo.InvariantCulture);
            string[] arguments = major < 22 ? ["--experimental-websocket", "chat.mjs"] : ["chat.mjs"];
            var output = await RunAsync(project, "node", new Dictionary<string, string> { ["BASE_URL"] = host.BaseAddress.ToString().TrimEnd('/') }, arguments);

            Assert.StartsWith("ok:", output.Trim(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(project, recursive: true);
        }
    }

    /// <summary>
    /// The pages' script is checked in (so <c>dotnet build</c> needs no Node); this proves it is what its
    /// TypeScript sources build today, and that they type-check against the client.
    /// </summary>
    [Fact]
    public async Task TheCheckedInAppScript_IsWhatItsSourcesBuild()
    {
        var source = JsClientPackage.Source;
        if (!File.Exists(Path.Combine(source, "node_modules", ".bin", "esbuild")))
        {
            await RunAsync(source, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts");
        }

        await RunAsync(source, "npm", "run", "check:app");
        var built = await RunAsync(source, "npm", "run", "-s", "bundle:app");
        var checkedIn = await File.ReadAllTextAsync(Path.Combine(source, "..", "..", "src", "ChatEngine.AspNetCore", "wwwroot", "chatengine.js"));
        Assert.True(built == checkedIn, "src/ChatEngine.AspNetCore/wwwroot/chatengine.js is stale: run `npm run build:app` in clients/chatengine-js and commit it.");
    }

    private static Task<string> RunAsync(string folder, string program, params string[] arguments) =>
        RunAsync(folder, program, new Dictionary<string, string>(), arguments);

    internal static async Task<string> RunAsync(string folder, string program, IDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}\n{await errors}");
        return await output;
    }
}

/// <summary>
/// The client's tarball: the test script builds and packs it once and exports
/// <c>CHATENGINE_JS_CLIENT</c>; run alone, this builds and packs it from the repository.
/// </summary>
internal static class JsClientPackage
{
    private static readonly Lazy<Task<string>> Packed = new(PackAsync);

    public static Task<string> TarballAsync() => Packed.Value;

    private static async Task<string> PackAsync()
    {
        if (Environment.GetEnvironmentVariable("CHATENGINE_JS_CLIENT") is { Length: > 0 } packed)
        {
            return packed;
        }

        var source = Source;
        var output = Directory.CreateTempSubdirectory("chatengine-js-pack-").FullName;
        await JsClientTests.RunAsync(source, "npm", new Dictionary<string, string>(), "ci", "--no-audit", "--no-fund", "--ignore-scripts");
        await JsClientTests.RunAsync(source, "npm", new Dictionary<string, string>(), "run", "build");
        var name = (await JsClientTests.RunAsync(source, "npm", new Dictionary<string, string>(), "pack", "--pack-destination", output)).Trim().Split('\n')[^1];
        return Path.Combine(output, name);
    }

    /// <summary>The client's folder in the repository.</summary>
    public static string Source => Path.Combine(RepositoryRoot(), "clients", "chatengine-js");

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
