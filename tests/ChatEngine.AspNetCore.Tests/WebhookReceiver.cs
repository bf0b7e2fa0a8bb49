using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>
/// A real HTTP receiver of webhooks on Kestrel, as a host's would be: it checks each signature (in
/// constant time, against its secret) and the timestamp's age, records what arrived, and answers with
/// what the test scripts (200 by default).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<ReceivedWebhook> _received = Channel.CreateUnbounded<ReceivedWebhook>();
    private readonly ConcurrentQueue<(int Status, Task? Release)> _answers = new();

    private WebhookReceiver(string secret)
    {
        Secret = secret;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapPost("/hook", async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var timestamp = context.Request.Headers["X-ChatEngine-Timestamp"].ToString();
            var signatures = context.Request.Headers["X-ChatEngine-Signature"].ToString().Split(',');
            var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(timestamp + "." + body)));
            var valid = signatures.Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), Encoding.ASCII.GetBytes(expected)))
                && long.TryParse(timestamp, out var seconds)
                && Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - seconds) < 300;
            var (status, release) = _answers.TryDequeue(out var answer) ? answer : (200, null);
            _received.Writer.TryWrite(new ReceivedWebhook(
                context.Request.Headers["X-ChatEngine-Delivery"].ToString(),
                context.Request.Headers["X-ChatEngine-Event"].ToString(),
                signatures.Length,
                valid,
                JsonNode.Parse(body)!.AsObject(),
                status));
            if (release is not null)
            {
                await release.WaitAsync(context.RequestAborted); // A receiver that has not answered yet.
            }

            context.Response.StatusCode = status;
        });
    }

    public string Secret { get; }

    public string Url { get; private set; } = "";

    public static async Task<WebhookReceiver> StartAsync(string secret = "receiver-secret")
    {
        var receiver = new WebhookReceiver(secret);
        await receiver._app.StartAsync();
        receiver.Url = receiver._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";
        return receiver;
    }

    /// <summary>Answers the next request with <paramref name="status"/>, once <paramref name="release"/> completes (at once without one).</summary>
    public void AnswerNext(int status, Task? release = null) => _answers.Enqueue((status, release));

    public async Task<ReceivedWebhook> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        return await _received.Reader.ReadAsync(cts.Token);
    }

    /// <summary>Whatever arrived and is not read yet.</summary>
    public List<ReceivedWebhook> Drain()
    {
        var all = new List<ReceivedWebhook>();
        while (_received.Reader.TryRead(out var one))
        {
            all.Add(one);
        }

        return all;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record ReceivedWebhook(string DeliveryId, string Event, int Signatures, bool SignatureValid, JsonObject Body, int AnsweredWith);
