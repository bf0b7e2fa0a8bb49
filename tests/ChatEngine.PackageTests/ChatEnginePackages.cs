using System.Diagnostics;
using System.Text;
using Xunit;

namespace ChatEngine.PackageTests;

/// <summary>
/// The three packages, packed once per test run: the test script packs them to a folder and exports
/// <c>CHATENGINE_PACKAGES</c>; run alone, this packs them itself from the repository's Release build.
/// </summary>
public sealed class ChatEnginePackages : IAsyncLifetime
{
    public static readonly string[] Ids = ["ChatEngine", "ChatEngine.EFCore", "ChatEngine.AspNetCore", "ChatEngine.Redis", "ChatEngine.Imaging", "ChatEngine.Azure"];

    public string Folder { get; private set; } = "";

    public string Version { get; private set; } = "";

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    // Packed at most once per test run, whichever test class asks first.
    private static readonly Lazy<Task<string>> Packed = new(PackAsync);

    public async Task InitializeAsync()
    {
        Folder = await Packed.Value;
        var aspNetCore = Directory.GetFiles(Folder, "ChatEngine.AspNetCore.*.nupkg").Single(f => !f.EndsWith(".symbols.nupkg", StringComparison.Ordinal));
        Version = Path.GetFileNameWithoutExtension(aspNetCore)["ChatEngine.AspNetCore.".Length..];
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<string> PackAsync()
    {
        if (Environment.GetEnvironmentVariable("CHATENGINE_PACKAGES") is { Length: > 0 } packed)
        {
            return packed;
        }

        var folder = Directory.CreateTempSubdirectory("chatengine-packages-").FullName;
        foreach (var id in Ids)
        {
            await Dotnet.RunAsync(RepositoryRoot, TimeSpan.FromMinutes(5), "pack", $"src/{id}/{id}.csproj", "-c", "Release", "-o", folder);
        }

        return folder;
    }

    public string PathOf(string id, string extension = "nupkg") => Path.Combine(Folder, $"{id}.{Version}.{extension}");

    private static string FindRepositoryRoot()
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

/// <summary>Runs the dotnet CLI and fails with its whole output when it fails.</summary>
internal static class Dotnet
{
    public static async Task<string> RunAsync(string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        await RunAsync(workingDirectory, timeout, new Dictionary<string, string>(), arguments);

    public static async Task<string> RunAsync(string workingDirectory, TimeSpan timeout, IDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} took longer than {timeout}:\n{output}");
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{output}");
        }

        return output.ToString();
    }
}
