using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ChatEngine.LoadTest;

/// <summary>
/// A server started as a child process, so its CPU time and peak memory can be read from /proc, and
/// how long its write loop has been busy from its log (the reference host's write-loop totals).
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string? _dataFolder;
    private readonly WriteLoopWatch _writeLoop;

    private ServerProcess(Process process, Uri address, string? dataFolder, WriteLoopWatch writeLoop)
    {
        _process = process;
        Address = address;
        _dataFolder = dataFolder;
        _writeLoop = writeLoop;
    }

    public Uri Address { get; }

    public int ProcessId => _process.Id;

    /// <summary>The server's write-loop totals as last logged (none for the baseline).</summary>
    public WriteLoopTotals? WriteLoopTotals() => _writeLoop.Totals;

    /// <summary>
    /// The time the host's write loop thread (named "Chat write loop" by the group-commit writer) has
    /// spent on a core and waiting for one (Linux's schedstat); <see langword="null"/> if it has none.
    /// </summary>
    public ThreadTimes? WriteLoopThreadTimes()
    {
        foreach (var task in Directory.EnumerateDirectories($"/proc/{_process.Id}/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == "Chat write loop")
                {
                    var fields = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
                    return new ThreadTimes(
                        long.Parse(fields[0], CultureInfo.InvariantCulture) / 1e9, long.Parse(fields[1], CultureInfo.InvariantCulture) / 1e9);
                }
            }
            catch (IOException)
            {
                // The thread ended while it was read.
            }
        }

        return null;
    }

    /// <summary>
    /// Starts the reference host, or <c>--hosts N</c> of them sharing one PostgreSQL database and
    /// Redis (scale-out), one after the other so the first migrates the database alone.
    /// </summary>
    public static async Task<ServerProcesses> StartReferenceHostsAsync(LoadOptions options)
    {
        var shared = new Dictionary<string, string>
        {
            ["Jwt__SigningKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        };
        if (options.Database == "postgres")
        {
            var server = Environment.GetEnvironmentVariable("ConnectionStrings__PostgreSqlTests")
                ?? throw new InvalidOperationException("--database postgres needs ConnectionStrings__PostgreSqlTests.");
            shared["Database__Provider"] = "PostgreSql";
            shared["ConnectionStrings__Chat"] = PostgresDatabase.Fresh(server);
        }

        if (options.Hosts > 1)
        {
            shared["ConnectionStrings__Redis"] = options.Redis
                ?? Environment.GetEnvironmentVariable("ConnectionStrings__RedisTests")
                ?? throw new InvalidOperationException("--hosts needs Redis: pass --redis or set ConnectionStrings__RedisTests.");
            shared["ChatEngine__ScaleOut__KeyPrefix"] = $"load-{Guid.NewGuid():N}";
        }

        var hosts = new List<ServerProcess>();
        try
        {
            for (var i = 0; i < options.Hosts; i++)
            {
                hosts.Add(await StartReferenceHostAsync(options, shared));
            }
        }
        catch
        {
            await new ServerProcesses(hosts).DisposeAsync();
            throw;
        }

        return new ServerProcesses(hosts);
    }

    private static Task<ServerProcess> StartReferenceHostAsync(LoadOptions options, Dictionary<string, string> shared)
    {
        var dll = options.HostDll ?? FindReferenceHost();
        var port = FreePort();
        var folder = Directory.CreateTempSubdirectory("chatengine-load-").FullName;
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__ChatEngine.EntityFrameworkCore.GroupCommitWriter"] = "Debug";
        foreach (var (key, value) in shared)
        {
            start.Environment[key] = value;
        }

        // Load comes from few users: the per-user send limit would measure itself, not the server.
        start.Environment["ChatEngine__Transports__SendsPerSecond"] = "1000000";
        start.Environment["ChatEngine__Transports__SendBurst"] = "1000000";
        // The load generator registers every user from one address.
        start.Environment["RateLimits__AccountBurst"] = "1000000";
        start.Environment["ChatEngine__Transports__RestWriteBurst"] = "1000000";
        if (options.Database != "postgres")
        {
            start.Environment["ConnectionStrings__Chat"] = $"Data Source={Path.Combine(folder, "chat.db")}";
        }

        start.Environment["Attachments__Folder"] = Path.Combine(folder, "attachments");
        if (options.Mode == "uploads")
        {
            // The benchmark's files: up to 100 MB each, about 1.1 GB and 50 uploads in all, within a minute.
            start.Environment["ChatEngine__Attachments__MaxBytes"] = Uploads.LargeFile.ToString(CultureInfo.InvariantCulture);
            start.Environment["ChatEngine__Attachments__QuotaPerUser"] = (10L * 1024 * 1024 * 1024).ToString(CultureInfo.InvariantCulture);
            start.Environment["ChatEngine__Attachments__MaxPendingPerUser"] = "1000";
            start.Environment["ChatEngine__Attachments__UploadsPerMinute"] = "1000";
        }

        return StartAsync(start, port, folder);
    }

    public static async Task<ServerProcesses> StartBaselineAsync() => new([await StartBaselineProcessAsync()]);

    private static Task<ServerProcess> StartBaselineProcessAsync()
    {
        var port = FreePort();
        var self = Environment.ProcessPath!;
        var arguments = self.EndsWith("dotnet", StringComparison.Ordinal)
            ? new[] { typeof(ServerProcess).Assembly.Location, "--serve-baseline", port.ToString(CultureInfo.InvariantCulture) }
            : ["--serve-baseline", port.ToString(CultureInfo.InvariantCulture)];
        var start = new ProcessStartInfo(self, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        return StartAsync(start, port, dataFolder: null);
    }

    private static async Task<ServerProcess> StartAsync(ProcessStartInfo start, int port, string? dataFolder)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the server.");
        var writeLoop = new WriteLoopWatch();
        process.OutputDataReceived += (_, e) => writeLoop.Read(e.Data);
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[server] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var address = new Uri($"http://127.0.0.1:{port}");
        using var http = new HttpClient();
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with code {process.ExitCode} before it answered.");
            }

            try
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync(IPAddress.Loopback, port);
                return new ServerProcess(process, address, dataFolder, writeLoop);
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        process.Kill(entireProcessTree: true);
        throw new TimeoutException("The server did not start listening within 30 seconds.");
    }

    /// <summary>User plus system CPU seconds the server has used.</summary>
    public double CpuSeconds()
    {
        _process.Refresh();
        return _process.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>The server's peak resident memory in MiB (VmHWM).</summary>
    public double PeakMemoryMiB()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    /// <summary>The server's resident memory now, in MiB (VmRSS).</summary>
    public double MemoryMiB()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        if (_dataFolder is not null)
        {
            Directory.Delete(_dataFolder, recursive: true);
        }
    }

    /// <summary>Keeps the newest "Write loop totals: busy N s, N messages, N batches" the server logged.</summary>
    private sealed partial class WriteLoopWatch
    {
        private WriteLoopTotals? _totals;

        public WriteLoopTotals? Totals => Volatile.Read(ref _totals);

        public void Read(string? line)
        {
            if (line is not null && Logged().Match(line) is { Success: true } match)
            {
                // A host built before batches were logged reports none: its mean batch size is unknown.
                Volatile.Write(ref _totals, new WriteLoopTotals(
                    double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
                    long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture),
                    match.Groups[3].Success ? long.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture) : null));
            }
        }

        [System.Text.RegularExpressions.GeneratedRegex(@"Write loop totals: busy ([0-9]+(?:\.[0-9]+)?) s, ([0-9]+) messages(?:, ([0-9]+) batches)?")]
        private static partial System.Text.RegularExpressions.Regex Logged();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindReferenceHost()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "samples", "ReferenceHost", "bin", "Release", "net10.0", "ReferenceHost.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("Build the reference host first (dotnet build -c Release), or pass --host-dll.");
    }
}

/// <summary>The server processes of a run: one host, or several behind the load generator's round-robin.</summary>
internal sealed class ServerProcesses(IReadOnlyList<ServerProcess> processes) : IAsyncDisposable
{
    public IReadOnlyList<Uri> Addresses { get; } = processes.Select(p => p.Address).ToArray();

    public IEnumerable<int> ProcessIds => processes.Select(p => p.ProcessId);

    public double CpuSeconds() => processes.Sum(p => p.CpuSeconds());

    /// <summary>The write loops' totals, summed over hosts; <see langword="null"/> if a host logs none.</summary>
    public WriteLoopTotals? WriteLoopTotals()
    {
        var each = processes.Select(p => p.WriteLoopTotals()).ToArray();
        return each.Any(t => t is null)
            ? null
            : new WriteLoopTotals(each.Sum(t => t!.BusySeconds), each.Sum(t => t!.Messages), each.All(t => t!.Batches is not null) ? each.Sum(t => t!.Batches) : null);
    }

    /// <summary>The write loop threads' times, summed over hosts; <see langword="null"/> if a host has none.</summary>
    public ThreadTimes? WriteLoopThreadTimes()
    {
        var each = processes.Select(p => p.WriteLoopThreadTimes()).ToArray();
        return each.Any(t => t is null) ? null : new ThreadTimes(each.Sum(t => t!.OnCpuSeconds), each.Sum(t => t!.WaitingSeconds));
    }

    public double PeakMemoryMiB() => processes.Sum(p => p.PeakMemoryMiB());

    public double MemoryMiB() => processes.Sum(p => p.MemoryMiB());

    public async ValueTask DisposeAsync()
    {
        foreach (var process in processes)
        {
            await process.DisposeAsync();
        }
    }
}

internal static class PostgresDatabase
{
    /// <summary>
    /// A connection string for a fresh database on the server (the host creates it when it migrates),
    /// with the pool size the README recommends (about 10× the cores) unless the server string sets one.
    /// </summary>
    public static string Fresh(string server) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = server }.Also(b =>
        {
            b["Database"] = $"chatengine_load_{Guid.NewGuid():N}";
            if (!b.ContainsKey("Maximum Pool Size") && !b.ContainsKey("MaxPoolSize"))
            {
                b["Maximum Pool Size"] = 20;
            }
        }).ConnectionString;

    private static T Also<T>(this T value, Action<T> change)
    {
        change(value);
        return value;
    }
}

/// <summary>What a write loop has done since its host started: seconds busy, messages and batches written.</summary>
internal sealed record WriteLoopTotals(double BusySeconds, long Messages, long? Batches);

/// <summary>A thread's time running on a core, and runnable but waiting for one.</summary>
internal sealed record ThreadTimes(double OnCpuSeconds, double WaitingSeconds);
