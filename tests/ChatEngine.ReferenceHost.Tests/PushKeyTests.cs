using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace ChatEngine.ReferenceHost.Tests;

/// <summary>The reference host pushes out of the box: VAPID keys made at first start, kept for the next.</summary>
public sealed class PushKeyTests
{
    [Fact]
    public async Task VapidKeys_AreMadeAtFirstStart_KeptPrivate_AndTheSameAfterARestart()
    {
        var folder = Directory.CreateTempSubdirectory("chatengine-vapid-").FullName;
        var keysFile = Path.Combine(folder, "vapid-keys");
        try
        {
            string first;
            await using (var host = new ReferenceHostFactory { Settings = { ["Push:KeysFile"] = keysFile } })
            {
                first = await VapidKeyAsync(host);
            }

            Assert.Equal(65, Base64Url.DecodeFromChars(first).Length);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keysFile));
            }

            await using var restarted = new ReferenceHostFactory { Settings = { ["Push:KeysFile"] = keysFile } };
            Assert.Equal(first, await VapidKeyAsync(restarted));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<string> VapidKeyAsync(ReferenceHostFactory host)
    {
        using var client = host.NewClient();
        (await client.PostAsJsonAsync("/user/register/", new { username = "pushy", password = "Passw0rd!" })).EnsureSuccessStatusCode();
        using var token = await client.PostAsJsonAsync("/api/token/", new { username = "pushy", password = "Passw0rd!" });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)(await token.Content.ReadFromJsonAsync<JsonObject>())!["access"]!);
        return (string)(await client.GetFromJsonAsync<JsonObject>("/push/vapid-key/"))!["public_key"]!;
    }
}
