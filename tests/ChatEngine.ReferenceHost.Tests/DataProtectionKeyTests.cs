using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ReferenceHost.Data;
using Xunit;

namespace ChatEngine.ReferenceHost.Tests;

public sealed class DataProtectionKeyTests
{
    [Fact]
    public async Task WithACertificateNamed_TheKeysAreEncryptedInTheDatabase_AndAnotherHostWithItReadsTheSessions()
    {
        using var database = new SharedSqliteDatabase();
        var certificate = database.PathOf("keys.pfx");
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=ChatEngine keys", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            await File.WriteAllBytesAsync(certificate, made.Export(X509ContentType.Pfx, "pfx password"));
        }

        ReferenceHostFactory Host()
        {
            var host = new ReferenceHostFactory();
            host.Settings["ConnectionStrings:Chat"] = database.ConnectionString;
            host.Settings["DataProtection:CertificatePath"] = certificate;
            host.Settings["DataProtection:CertificatePassword"] = "pfx password";
            return host;
        }

        var cookies = new CookieContainer();
        string[] keys;
        await using (var first = Host())
        {
            using var browser = first.NewClient(cookies);
            (await browser.PostAsJsonAsync("/user/register/", new { username = "keyholder", password = "correct horse battery" })).EnsureSuccessStatusCode();
            await using var scope = first.Services.CreateAsyncScope();
            keys = await scope.ServiceProvider.GetRequiredService<ReferenceHostDbContext>().DataProtectionKeys.Select(k => k.Xml!).ToArrayAsync();
        }

        Assert.NotEmpty(keys);
        Assert.All(keys, xml =>
        {
            Assert.Contains("EncryptedXmlDecryptor", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("unencrypted form", xml, StringComparison.Ordinal);
        });

        // A host started later with the same certificate decrypts the keys, so the session goes on.
        await using var second = Host();
        using var sameBrowser = second.NewClient(cookies);
        using var chats = await sameBrowser.GetAsync("/chat/");
        Assert.Equal(HttpStatusCode.OK, chats.StatusCode);
    }
}
