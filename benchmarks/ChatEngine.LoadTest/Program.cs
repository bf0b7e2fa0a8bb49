using System.Text.Json;
using ChatEngine.LoadTest;

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

if (options.ServePort is { } port)
{
    await BaselineServer.RunAsync(port);
    return 0;
}

if (args.Contains("--help"))
{
    Console.WriteLine(LoadOptions.Help);
    return 0;
}

await using var process = options.Target is not null ? null
    : options.Mode == "baseline" ? await ServerProcess.StartBaselineAsync()
    : await ServerProcess.StartReferenceHostsAsync(options);
IReadOnlyList<Uri> servers = options.Target is { } target ? [target] : process!.Addresses;
Console.Error.WriteLine($"Load test ({options.Mode}) against {string.Join(", ", servers)}");

if (options.Mode == "uploads")
{
    await using var baseline = await ServerProcess.StartBaselineAsync();
    var uploads = await Uploads.RunAsync(servers[0], process, baseline.Addresses[0]);
    Console.WriteLine(uploads);
    return 0;
}

if (options.Mode == "reconnect")
{
    var storm = await ReconnectStorm.RunAsync(options, servers[0], process);
    Console.WriteLine(storm);
    return storm.Contains("verdict                       OK", StringComparison.Ordinal) ? 0 : 1;
}

if (options.Mode == "rest")
{
    Console.WriteLine(await RestReads.RunAsync(options, servers[0], process));
    return 0;
}

if (options.IdleConnections > 0)
{
    var idle = await IdleConnections.RunAsync(options, servers[0], process);
    Console.WriteLine(idle);
    return 0;
}

var result = await new LoadRun(options, servers).RunAsync(process, CancellationToken.None);
Console.WriteLine(result.ToTable());
if (options.JsonPath is not null)
{
    await File.WriteAllTextAsync(options.JsonPath, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
}

return result.Correct && result.AcceptedMessages > 0 ? 0 : 1;
