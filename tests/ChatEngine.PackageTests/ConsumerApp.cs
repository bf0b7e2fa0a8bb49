using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace ChatEngine.PackageTests;

/// <summary>
/// The README's "Add chat to your app" example, built as its own app against the packed packages
/// (a nuget.config that adds the package folder, and a packages folder of its own so no stale copy is
/// used), published, and started on a free port.
/// </summary>
public sealed partial class ConsumerApp : IAsyncLifetime
{
    private readonly ChatEnginePackages _packages = new();
    private Process? _process;
    private string _folder = "";
    private readonly System.Text.StringBuilder _log = new();

    public Uri BaseAddress { get; private set; } = null!;

    public string PublishFolder => Path.Combine(_folder, "out");

    public async Task InitializeAsync()
    {
        await _packages.InitializeAsync();
        _folder = Directory.CreateTempSubdirectory("chatengine-consumer-").FullName;
        await File.WriteAllTextAsync(Path.Combine(_folder, "Program.cs"), ReadmeProgram());
        await File.WriteAllTextAsync(Path.Combine(_folder, "ConsumerApp.csproj"), Project(_packages.Version, TemplatePinnedVersion));
        await File.WriteAllTextAsync(Path.Combine(_folder, "nuget.config"), NuGetConfig(_packages.Folder));

        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(_folder, "packages") };
        await Dotnet.RunAsync(_folder, TimeSpan.FromMinutes(10), environment, "publish", "-c", "Release", "-o", PublishFolder);

        var port = FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = PublishFolder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("ConsumerApp.dll");
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
            Directory.Delete(_folder, recursive: true);
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

    /// <summary>Registers an account through the app's own Identity endpoints and returns its bearer token.</summary>
    public async Task<string> RegisterAsync(string email)
    {
        using var client = CreateClient();
        var credentials = new { email, password = "Passw0rd!" };
        (await client.PostAsJsonAsync("/account/register", credentials)).EnsureSuccessStatusCode();
        var login = await client.PostAsJsonAsync("/account/login", credentials);
        login.EnsureSuccessStatusCode();
        return (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    private static string ReadmeProgram()
    {
        var readme = File.ReadAllText(Path.Combine(ChatEnginePackages.RepositoryRoot, "README.md"));
        var match = ReadmeProgramBlock().Match(readme);
        return match.Success
            ? match.Groups["code"].Value
            : throw new InvalidOperationException("README.md has no ```csharp block after <!-- package-consumer: Program.cs -->.");
    }

    /// <summary>
    /// What today's SDK templates (<c>dotnet new webapp --auth Individual</c>) pin for Identity and EF
    /// Core, older than the newest patch: the packages must restore beside it without a downgrade
    /// (NU1605, an error by default).
    /// </summary>
    private const string TemplatePinnedVersion = "10.0.12";

    private static string Project(string chatEngineVersion, string templateVersion) => $"""
        <Project Sdk="Microsoft.NET.Sdk.Web">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
            <WarningsNotAsErrors>NU1603</WarningsNotAsErrors>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="ChatEngine.AspNetCore" Version="{chatEngineVersion}" />
            <PackageReference Include="ChatEngine.EFCore" Version="{chatEngineVersion}" />
            <PackageReference Include="Microsoft.AspNetCore.Identity.EntityFrameworkCore" Version="{templateVersion}" />
            <PackageReference Include="Microsoft.EntityFrameworkCore.Sqlite" Version="{templateVersion}" />
          </ItemGroup>
        </Project>
        """;

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
                throw new InvalidOperationException($"The consumer app exited with {_process.ExitCode}:\n{Log}");
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

        throw new TimeoutException($"The consumer app did not start listening within 60 s:\n{Log}");
    }

    [GeneratedRegex(@"<!-- package-consumer: Program.cs -->\s*```csharp\n(?<code>.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex ReadmeProgramBlock();

}
