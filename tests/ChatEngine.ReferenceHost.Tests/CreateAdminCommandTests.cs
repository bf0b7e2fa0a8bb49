using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Xunit;

namespace ChatEngine.ReferenceHost.Tests;

public sealed class CreateAdminCommandTests
{
    [Fact]
    public async Task CreateAdmin_MakesAnAccountThatCanSignIn_TakingThePasswordFromTheEnvironment()
    {
        var folder = Directory.CreateTempSubdirectory("chatengine-admin-").FullName;
        try
        {
            var database = $"Data Source={Path.Combine(folder, "chat.db")}";
            var (exit, output) = await RunHostAsync(database, "create-admin", "root");
            var (again, _) = await RunHostAsync(database, "create-admin", "root");
            var (usage, _) = await RunHostAsync(database, "create-admin");

            Assert.True(exit == 0, output);
            Assert.Contains("Administrator 'root' created.", output, StringComparison.Ordinal);
            Assert.Equal(1, again);
            Assert.Equal(2, usage);

            await using var host = new ReferenceHostFactory();
            host.Settings["ConnectionStrings:Chat"] = database;
            using var token = await host.NewClient().PostAsJsonAsync("/api/token/", new { username = "root", password = "Adm1n-Password!" });
            Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunHostAsync(string database, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.Environment["CHATENGINE_ADMIN_PASSWORD"] = "Adm1n-Password!";
        start.Environment["ConnectionStrings__Chat"] = database;
        start.Environment["Jwt__SigningKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
