using System.Net.Http.Json;
using ChatEngine.AspNetCore.Tests;
using Npgsql;
using Xunit;

namespace ChatEngine.ReferenceHost.Tests.ScaleOut;

/// <summary>
/// The outbox across hosts and crashes: a host killed between a message's commit and its webhook's
/// answer loses nothing (another host sends it again under the same delivery id), and hosts that
/// run side by side never both send one delivery.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class WebhookCrashTests(ScaleOutCluster cluster)
{
    [Fact]
    public async Task AHostKilledBeforeTheReceiverAnswered_LosesNoWebhook_AndHostsSideBySideSendEachOnce()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        // Only the process hosts have webhooks: the in-process hosts neither write nor send any.
        var webhooks = new Dictionary<string, string?>
        {
            ["ChatEngine:Webhooks:Endpoints:0:Url"] = receiver.Url,
            ["ChatEngine:Webhooks:Endpoints:0:Secrets:0"] = receiver.Secret,
            ["ChatEngine:Webhooks:Endpoints:0:Events:0"] = "message",
            ["ChatEngine:Webhooks:Timeout"] = "00:00:02",
        };
        var ivy = await cluster.UserAsync("ivy");
        var jon = await cluster.UserAsync("jon");
        var chatId = await cluster.PrivateChatAsync(ivy.Token, jon.Name);

        var (doomed, doomedAddress) = await cluster.StartProcessHostAsync(webhooks);
        ReceivedWebhook unanswered;
        try
        {
            // The receiver takes the doomed host's request and never answers it: the host dies waiting.
            receiver.AnswerNext(200, new TaskCompletionSource().Task);
            using (var api = ScaleOutCluster.Api(doomedAddress, ivy.Token))
            {
                (await api.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "before the crash" })).EnsureSuccessStatusCode();
            }

            unanswered = await receiver.NextAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("before the crash", (string?)unanswered.Body["data"]!["text"]);
            doomed.Kill(entireProcessTree: true);
            await doomed.WaitForExitAsync();
        }
        finally
        {
            doomed.Dispose();
        }

        var (first, firstAddress) = await cluster.StartProcessHostAsync(webhooks);
        var (second, _) = await cluster.StartProcessHostAsync(webhooks);
        try
        {
            // Once the dead host's lease lapses, a living host sends it again: same id, same body.
            var again = await receiver.NextAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(unanswered.DeliveryId, again.DeliveryId);
            Assert.Equal(unanswered.Body.ToJsonString(), again.Body.ToJsonString());
            Assert.True(again.SignatureValid);

            using (var api = ScaleOutCluster.Api(firstAddress, jon.Token))
            {
                for (var i = 0; i < 20; i++)
                {
                    (await api.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = $"side by side {i}" })).EnsureSuccessStatusCode();
                }
            }

            var received = new List<ReceivedWebhook>();
            while (received.Count < 20)
            {
                received.Add(await receiver.NextAsync(TimeSpan.FromSeconds(30)));
            }

            await WaitUntilEverythingDeliveredAsync();
            received.AddRange(receiver.Drain());

            // Delivery is at least once: an attempt that got no answer within the timeout, or whose host
            // outlived its lease (a fresh host's first requests on a busy machine), is sent again, and
            // each send follows a claim that counted it. What must never happen is a send no claim
            // counted: no delivery came more often than it was attempted, the dead host's included.
            var attempts = await AttemptsAsync();
            received.AddRange([unanswered, again]);
            Assert.All(received.GroupBy(r => r.DeliveryId), sent => Assert.True(
                sent.Count() <= attempts[sent.Key], $"{sent.Key} came {sent.Count()} times in {attempts[sent.Key]} attempts."));
            Assert.Equal(21, received.Select(r => r.DeliveryId).Distinct().Count());
            received.RemoveAll(r => r.DeliveryId == unanswered.DeliveryId);
            Assert.Equal(Enumerable.Range(0, 20).Select(i => $"side by side {i}").Order(), received.Select(r => (string)r.Body["data"]!["text"]!).Distinct().Order());
            Assert.All(received, r => Assert.True(r.SignatureValid));
        }
        finally
        {
            first.Kill(entireProcessTree: true);
            second.Kill(entireProcessTree: true);
            first.Dispose();
            second.Dispose();
        }
    }

    /// <summary>How many attempts the outbox recorded for each delivery.</summary>
    private async Task<Dictionary<string, int>> AttemptsAsync()
    {
        await using var connection = new NpgsqlConnection(cluster.ChatConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""SELECT "DeliveryId", "Attempts" FROM "ChatEngineOutbox" """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var attempts = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            attempts[reader.GetString(0)] = reader.GetInt32(1);
        }

        return attempts;
    }

    private async Task WaitUntilEverythingDeliveredAsync()
    {
        await using var connection = new NpgsqlConnection(cluster.ChatConnectionString);
        await connection.OpenAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var command = new NpgsqlCommand("""SELECT count(*) FROM "ChatEngineOutbox" WHERE "State" <> 1""", connection);
            if ((long)(await command.ExecuteScalarAsync())! == 0)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "Deliveries were still pending after 30 s.");
            await Task.Delay(100);
        }
    }
}
