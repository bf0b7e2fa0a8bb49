using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Xunit;

namespace ChatEngine.ReferenceHost.Tests;

/// <summary>The reference host's account commands, run as an operator runs them: the host's own process, on its database.</summary>
public sealed class HostCommandTests
{
    [Fact]
    public async Task CreateAdmin_MakesAnAccountThatCanSignIn_TakingThePasswordFromTheEnvironment()
    {
        using var database = new SharedSqliteDatabase();
        var (exit, output) = await RunHostAsync(database.ConnectionString, ["create-admin", "root"]);
        var (again, _) = await RunHostAsync(database.ConnectionString, ["create-admin", "root"]);
        var (usage, _) = await RunHostAsync(database.ConnectionString, ["create-admin"]);

        Assert.True(exit == 0, output);
        Assert.Contains("Administrator 'root' created.", output, StringComparison.Ordinal);
        Assert.Equal(1, again);
        Assert.Equal(2, usage);

        await using var host = new ReferenceHostFactory();
        host.Settings["ConnectionStrings:Chat"] = database.ConnectionString;
        using var token = await host.NewClient().PostAsJsonAsync("/api/token/", new { username = "root", password = "Adm1n-Password!" });
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
    }

    [Fact]
    public async Task SetPassword_GivesAnAccountANewPassword_AndEndsEverySessionAndToken()
    {
        using var database = new SharedSqliteDatabase();
        var cookies = new CookieContainer();
        string refresh;
        await using (var before = new ReferenceHostFactory())
        {
            before.Settings["ConnectionStrings:Chat"] = database.ConnectionString;
            (await before.NewClient(cookies).PostAsJsonAsync("/user/register/", new { username = "forgetful", password = "Old-Password!" })).EnsureSuccessStatusCode();
            using var tokens = await before.NewClient().PostAsJsonAsync("/api/token/", new { username = "forgetful", password = "Old-Password!" });
            refresh = (string)(await tokens.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["refresh"]!;
        }

        var (weak, weakOutput) = await RunHostAsync(database.ConnectionString, ["set-password", "forgetful"], newPassword: "12345");
        var (nobody, _) = await RunHostAsync(database.ConnectionString, ["set-password", "nobody"], newPassword: "N3w-Password!");
        var (usage, _) = await RunHostAsync(database.ConnectionString, ["set-password"]);
        var (exit, output) = await RunHostAsync(database.ConnectionString, ["set-password", "forgetful"], newPassword: "N3w-Password!");

        Assert.Equal(1, weak);
        Assert.Contains("at least", weakOutput, StringComparison.Ordinal);
        Assert.Equal((1, 2), (nobody, usage));
        Assert.True(exit == 0, output);
        Assert.Contains("The password of 'forgetful' was changed", output, StringComparison.Ordinal);

        await using var after = new ReferenceHostFactory();
        after.Settings["ConnectionStrings:Chat"] = database.ConnectionString;
        using var oldPassword = await after.NewClient().PostAsJsonAsync("/api/token/", new { username = "forgetful", password = "Old-Password!" });
        using var newPassword = await after.NewClient().PostAsJsonAsync("/api/token/", new { username = "forgetful", password = "N3w-Password!" });
        using var oldRefresh = await after.NewClient().PostAsJsonAsync("/api/token/refresh/", new { refresh });
        using var oldSession = await after.NewClient(cookies).GetAsync("/chat/");
        Assert.Equal(
            (HttpStatusCode.Unauthorized, HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized),
            (oldPassword.StatusCode, newPassword.StatusCode, oldRefresh.StatusCode, oldSession.StatusCode));
    }

    private static async Task<(int ExitCode, string Output)> RunHostAsync(string database, string[] args, string? newPassword = null)
    {
        var start = new ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.Environment["CHATENGINE_ADMIN_PASSWORD"] = "Adm1n-Password!";
        start.Environment["CHATENGINE_NEW_PASSWORD"] = newPassword;
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
