using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine.ReferenceHost.Tests;

/// <summary>
/// The reference host itself, on real Kestrel (a free port), with a fresh SQLite database and a
/// signing key of its own, configured the way an operator would: through configuration keys.
/// </summary>
public sealed class ReferenceHostFactory : WebApplicationFactory<Program>
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatengine-host-").FullName;

    public ReferenceHostFactory()
    {
        UseKestrel(0);
    }

    public Dictionary<string, string?> Settings { get; } = new();

    /// <summary>Services the test swaps in (a fake clock, a counting hasher), applied after the host's own.</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    /// <summary>The host's JWT signing key (base64), so tests can mint tokens it trusts, expired ones included.</summary>
    public string SigningKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public Uri BaseAddress
    {
        get
        {
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        }
    }

    /// <summary>A client with its own cookie jar, not following redirects (tests look at them).</summary>
    public HttpClient NewClient(bool followRedirects = false) => NewClient(new CookieContainer(), followRedirects);

    /// <summary>A client keeping its cookies in <paramref name="cookies"/>, so a test can copy them as a thief would.</summary>
    public HttpClient NewClient(CookieContainer cookies, bool followRedirects = false) =>
        new(new HttpClientHandler { CookieContainer = cookies, UseCookies = true, AllowAutoRedirect = followRedirects }) { BaseAddress = BaseAddress };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // As an operator runs it: no development-only conveniences.
        builder.UseEnvironment("Production");
        builder.UseSetting("ConnectionStrings:Chat", $"Data Source={Path.Combine(_folder, "chat.db")}");
        builder.UseSetting("Attachments:Folder", Path.Combine(_folder, "attachments"));
        builder.UseSetting("Jwt:SigningKey", SigningKey);
        builder.UseSetting("Push:KeysFile", Path.Combine(_folder, "vapid-keys"));
        builder.UseSetting("urls", "http://127.0.0.1:0");
        // Every test client comes from 127.0.0.1: per-address limits would make the tests trip over
        // each other. The tests of those limits set their own.
        builder.UseSetting("RateLimits:AccountBurst", "100000");
        builder.UseSetting("Accounts:Throttle:FreeFailuresPerAddress", "100000");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        if (TestServices is { } configure)
        {
            builder.ConfigureTestServices(configure);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
