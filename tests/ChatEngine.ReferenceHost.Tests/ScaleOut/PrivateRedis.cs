using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ChatEngine.ReferenceHost.Tests.ScaleOut;

/// <summary>
/// A real redis-server (Debian's, installed by scripts/test.sh) of this test class's own, on a free
/// port, so a test can stop and restart it without disturbing anything else.
/// </summary>
public sealed class PrivateRedis : IAsyncDisposable
{
    private Process? _server;

    public int Port { get; } = FreePort();

    public string ConnectionString => $"127.0.0.1:{Port}";

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            _server = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new InvalidOperationException("Scale-out tests need redis-server on PATH. Run scripts/test.sh, which installs it.", error);
        }

        _server.OutputDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"redis-server did not listen on {Port} within 20 s.");
    }

    /// <summary>Kills the server at once, as a crash or a restart would (it keeps no data).</summary>
    public async Task StopAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill();
            await _server.WaitForExitAsync();
        }

        _server?.Dispose();
        _server = null;
    }

    /// <summary>Makes the server answer no client for a while, keeping its data: an outage, not a restart.</summary>
    public async Task PauseAsync(TimeSpan duration)
    {
        // Plain RESP over a socket of its own: a client library would wait out the pause when it closes.
        var milliseconds = ((long)duration.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var command = $"*4\r\n$6\r\nCLIENT\r\n$5\r\nPAUSE\r\n${milliseconds.Length}\r\n{milliseconds}\r\n$3\r\nALL\r\n";
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        var stream = client.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(command));
        var reply = new byte[64];
        var read = await stream.ReadAsync(reply);
        var answer = System.Text.Encoding.ASCII.GetString(reply, 0, read);
        if (!answer.StartsWith("+OK", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"CLIENT PAUSE answered {answer}");
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>A port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
