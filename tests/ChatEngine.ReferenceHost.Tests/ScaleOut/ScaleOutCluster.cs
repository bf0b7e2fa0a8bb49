using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace ChatEngine.ReferenceHost.Tests.ScaleOut;

/// <summary>
/// Two reference hosts on real Kestrel, sharing one real PostgreSQL database and one real Redis,
/// configured as an operator would: ConnectionStrings:Redis turns scale-out on, and both hosts share
/// the JWT signing key (and, through the database, the cookie keys). A short presence lease keeps the
/// dead-host test quick.
/// </summary>
public sealed class ScaleOutCluster : IAsyncLifetime
{
    public static readonly TimeSpan PresenceLease = TimeSpan.FromSeconds(6);

    private readonly string _keyPrefix = $"test-{Guid.NewGuid():N}";
    private string _database = "";

    public PrivateRedis Redis { get; } = new();

    public ReferenceHostFactory HostA { get; } = new();

    public ReferenceHostFactory HostB { get; } = new();

    public string ChatConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await Redis.StartAsync();
        ChatConnectionString = await CreateDatabaseAsync();
        foreach (var (key, value) in Settings())
        {
            HostA.Settings[key] = value;
            HostB.Settings[key] = value;
        }

        _ = HostA.BaseAddress; // Starts A first: it migrates the shared database.
        _ = HostB.BaseAddress;
    }

    public async Task DisposeAsync()
    {
        try
        {
            await HostA.DisposeAsync();
            await HostB.DisposeAsync();
        }
        catch (Exception error)
        {
            // xUnit reports a fixture's clean-up failure by its type alone; its stack goes beside the
            // test results (a rare ObjectDisposedException here is still unexplained).
            var folder = Environment.GetEnvironmentVariable("CHATENGINE_ARTIFACTS") ?? Path.GetTempPath();
            Directory.CreateDirectory(folder);
            await File.WriteAllTextAsync(Path.Combine(folder, "scale-out-cluster-cleanup-failure.txt"), error.ToString());
            throw;
        }

        await Redis.DisposeAsync();
        await TestPostgreSql.DropDatabaseAsync(_database);
    }

    /// <summary>The configuration every host of the cluster gets.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["Database:Provider"] = "PostgreSql",
        ["ConnectionStrings:Chat"] = ChatConnectionString,
        // Commands give up after a second (not five): an outage shorter than the lease is then testable.
        ["ConnectionStrings:Redis"] = $"{Redis.ConnectionString},asyncTimeout=1000,syncTimeout=1000",
        ["Jwt:SigningKey"] = HostA.SigningKey,
        ["ChatEngine:ScaleOut:KeyPrefix"] = _keyPrefix,
        ["ChatEngine:ScaleOut:PresenceLease"] = PresenceLease.ToString(),
    };

    /// <summary>
    /// A third host in a process of its own (the reference host's build, run with dotnet), so a test
    /// can kill it the way a machine dies: no connection is closed, nothing is cleaned up.
    /// </summary>
    public async Task<(Process Process, Uri Address)> StartProcessHostAsync(IReadOnlyDictionary<string, string?>? extraSettings = null)
    {
        var port = PrivateRedis.FreePort();
        var start = ProcessStart([], extraSettings);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var address = new Uri($"http://127.0.0.1:{port}");
        using var client = new HttpClient { BaseAddress = address };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(process.HasExited, $"The third host exited with {(process.HasExited ? process.ExitCode : 0)}.");
            try
            {
                if ((await client.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return (process, address);
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        process.Kill(entireProcessTree: true);
        throw new TimeoutException("The third host did not answer /health within 60 s.");
    }

    /// <summary>Runs one of the host's commands (<c>set-password NAME</c>, say) in a process of its own, as an operator does, and returns its exit code.</summary>
    public async Task<int> RunCommandAsync(string[] arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var start = ProcessStart(arguments, environment);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{string.Join(' ', arguments)} exited with {process.ExitCode}: {await output}{await errors}");
        return process.ExitCode;
    }

    /// <summary>The reference host's build, run with dotnet, configured as the cluster's hosts are.</summary>
    private ProcessStartInfo ProcessStart(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? extraSettings)
    {
        var folder = Path.GetDirectoryName(typeof(Program).Assembly.Location)!;
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(folder, "ReferenceHost.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in Settings().Concat(extraSettings ?? new Dictionary<string, string?>()))
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return start;
    }

    /// <summary>Registers a user (on host A; accounts are shared) and returns their name and an access token.</summary>
    public async Task<(string Name, string Token)> UserAsync(string prefix)
    {
        var name = $"{prefix}{Guid.NewGuid():N}"[..20];
        using var client = HostA.NewClient();
        (await client.PostAsJsonAsync("/user/register/", new { username = name, password = "Passw0rd!" })).EnsureSuccessStatusCode();
        using var token = await HostB.NewClient().PostAsJsonAsync("/api/token/", new { username = name, password = "Passw0rd!" });
        token.EnsureSuccessStatusCode();
        return (name, (string)(await token.Content.ReadFromJsonAsync<JsonObject>())!["access"]!);
    }

    public static HttpClient Api(ReferenceHostFactory host, string token) => Api(host.BaseAddress, token);

    public static HttpClient Api(Uri host, string token)
    {
        var client = new HttpClient { BaseAddress = host };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task<long> PrivateChatAsync(string token, string otherName)
    {
        using var api = Api(HostA, token);
        using var response = await api.PostAsJsonAsync("/chat/", new { username = otherName });
        response.EnsureSuccessStatusCode();
        return (long)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    public async Task<long> GroupAsync(string ownerToken, params string[] members)
    {
        using var api = Api(HostB, ownerToken);
        using var response = await api.PostAsJsonAsync("/group/", new { name = "cluster", members });
        response.EnsureSuccessStatusCode();
        return (long)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    private async Task<string> CreateDatabaseAsync()
    {
        (_database, var connectionString) = await TestPostgreSql.CreateDatabaseAsync();
        return connectionString;
    }
}
