using System.Buffers.Text;
using System.Net.Http.Json;
using System.Security.Cryptography;
using ChatEngine.AspNetCore.Tests;
using Npgsql;
using Xunit;

namespace ChatEngine.ReferenceHost.Tests.ScaleOut;

/// <summary>Pushes through the outbox across a crash: a host killed while the push service holds its request loses no push.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PushCrashTests(ScaleOutCluster cluster)
{
    [Fact]
    public async Task AHostKilledBeforeThePushServiceAnswered_LosesNoPush_AndMakesNoSecondDelivery()
    {
        await using var pushService = await TestPushService.StartAsync();
        using var vapid = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = vapid.ExportParameters(true);
        var push = new Dictionary<string, string?>
        {
            ["ChatEngine:Push:VapidPublicKey"] = Base64Url.EncodeToString([4, .. parameters.Q.X!, .. parameters.Q.Y!]),
            ["ChatEngine:Push:VapidPrivateKey"] = Base64Url.EncodeToString(parameters.D),
            ["ChatEngine:Push:VapidSubject"] = "mailto:ops@example.com",
            ["ChatEngine:Push:Delay"] = "00:00:00",
            ["ChatEngine:Push:AllowInsecureEndpoints"] = "true",
            ["ChatEngine:Push:AllowedEndpointHosts:0"] = "127.0.0.1",
        };
        var kim = await cluster.UserAsync("kim");
        var lou = await cluster.UserAsync("lou");
        var chatId = await cluster.PrivateChatAsync(kim.Token, lou.Name);
        var phone = pushService.NewDevice($"lou-phone-{Guid.NewGuid():N}");

        var (doomed, doomedAddress) = await cluster.StartProcessHostAsync(push);
        ReceivedPush held;
        try
        {
            using (var louApi = ScaleOutCluster.Api(doomedAddress, lou.Token))
            {
                (await louApi.PostAsJsonAsync("/push/subscriptions/", phone.Subscription)).EnsureSuccessStatusCode();
            }

            pushService.HoldNext(new TaskCompletionSource().Task);
            using (var kimApi = ScaleOutCluster.Api(doomedAddress, kim.Token))
            {
                (await kimApi.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "are you awake?" })).EnsureSuccessStatusCode();
            }

            held = await pushService.NextAsync(TimeSpan.FromSeconds(30));
            doomed.Kill(entireProcessTree: true);
            await doomed.WaitForExitAsync();
        }
        finally
        {
            doomed.Dispose();
        }

        Assert.Equal("are you awake?", (string?)held.Payload!["text"]);
        var (survivor, _) = await cluster.StartProcessHostAsync(push);
        try
        {
            var again = await pushService.NextAsync(TimeSpan.FromSeconds(90));
            Assert.Equal(phone.Name, again.Device);
            Assert.True(again.VapidValid);
            Assert.Equal(held.Payload.ToJsonString(), again.Payload!.ToJsonString());

            // One delivery for the device, the one sent twice, now delivered.
            await using var connection = new NpgsqlConnection(cluster.ChatConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                """SELECT count(*), min("State") FROM "ChatEngineOutbox" WHERE "Kind" = 'push_delivery' AND "Payload" LIKE '%are you awake?%'""", connection);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                await using var reader = await command.ExecuteReaderAsync();
                await reader.ReadAsync();
                var (count, state) = (reader.GetInt64(0), reader.GetInt32(1));
                Assert.Equal(1, count);
                if (state == 1)
                {
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, "The push was not marked delivered.");
                await Task.Delay(100);
            }
        }
        finally
        {
            survivor.Kill(entireProcessTree: true);
            survivor.Dispose();
        }
    }
}
