using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace ChatEngine.PackageTests;

/// <summary>
/// An app built as its own project against the packed packages (a nuget.config that adds the package
/// folder, and a packages folder of its own so no stale copy is used), published, and started on a
/// free port. What the app is, each kind says in <see cref="CreateAsync"/>.
/// </summary>
public abstract class PackagedApp : IAsyncLifetime
{
    private readonly ChatEnginePackages _packages = new();
    private readonly System.Text.StringBuilder _log = new();
    private Process? _process;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The temporary folder the app's project is written to.</summary>
    protected string Folder { get; private set; } = "";

    /// <summary>Where the project is, under <see cref="Folder"/>.</summary>
    protected virtual string ProjectFolder => Folder;

    public string PublishFolder => Path.Combine(Folder, "out");

    protected IReadOnlyDictionary<string, string> BuildEnvironment => new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(Folder, "packages") };

    /// <summary>Writes the app's project into <see cref="Folder"/>, referencing ChatEngine at <paramref name="version"/>.</summary>
    protected abstract Task CreateAsync(string version);

    public async Task InitializeAsync()
    {
        await _packages.InitializeAsync();
        Folder = Directory.CreateTempSubdirectory("chatengine-app-").FullName;
        await File.WriteAllTextAsync(Path.Combine(Folder, "nuget.config"), NuGetConfig(_packages.Folder));
        await CreateAsync(_packages.Version);
        await Dotnet.RunAsync(ProjectFolder, TimeSpan.FromMinutes(10), BuildEnvironment.ToDictionary(), "publish", "-c", "Release", "-o", PublishFolder);

        BaseAddress = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = PublishFolder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Directory.GetFiles(PublishFolder, "*.runtimeconfig.json").Select(f => Path.GetFileName(f).Replace(".runtimeconfig.json", ".dll", StringComparison.Ordinal)).Single());
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(BaseAddress.ToString());
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { lock (_log) { _log.AppendLine(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilListeningAsync();
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by the stopped app: the temp folder is cleaned up later.
        }
    }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public HttpClient CreateClient(HttpMessageHandler? handler = null) =>
        new(handler ?? new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = BaseAddress };

    // Adds the packed folder only; the machine's own sources stay for everything else.
    private static string NuGetConfig(string packageFolder) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <add key="chatengine-packed" value="{packageFolder}" />
          </packageSources>
        </configuration>
        """;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitUntilListeningAsync()
    {
        using var client = CreateClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"The app exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                await client.GetAsync("/");
                return;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200);
            }
        }

        throw new TimeoutException($"The app did not start listening within 60 s:\n{Log}");
    }
}
