using System.Net.Http.Json;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>Signed webhooks from the durable outbox (contract v2, section 5), against a real receiver.</summary>
public sealed class WebhookTests
{
    [Fact]
    public async Task Changes_ReachTheReceiver_Signed_WithTheEventAndItsChat_AndOnlyTheTypesAnEndpointAsked()
    {
        await using var all = await WebhookReceiver.StartAsync();
        await using var messagesOnly = await WebhookReceiver.StartAsync("second");
        await using var server = await ChatServer.StartAsync(engine: b => b.Services.Configure<ChatWebhookOptions>(o =>
        {
            o.Endpoints.Add(Endpoint(all.Url, "old-secret", all.Secret));
            var endpoint = Endpoint(messagesOnly.Url, messagesOnly.Secret);
            endpoint.Events.Add("message");
            o.Endpoints.Add(endpoint);
        }));

        var groupId = await server.CreateGroupAsync(Alice, "bob");
        using var alice = server.Client(Alice);
        (await alice.PostAsJsonAsync($"/chat/{groupId}/messages", new { text = "to the outside" })).EnsureSuccessStatusCode();

        // Deliveries may overtake each other (receivers order a chat's events by data.seq).
        ReceivedWebhook[] both = [await all.NextAsync(), await all.NextAsync()];
        var created = Assert.Single(both, d => d.Event == "member_added");
        Assert.True(created.SignatureValid);
        Assert.Equal(2, created.Signatures); // One per secret: the receiver knows the newer one.
        Assert.Equal(1L, (long)created.Body["data"]!["seq"]!);
        var message = Assert.Single(both, d => d.Event == "message");
        Assert.Equal(message.DeliveryId, (string?)message.Body["delivery"]);
        Assert.StartsWith("wd_", message.DeliveryId, StringComparison.Ordinal);
        Assert.Equal("message", (string?)message.Body["type"]);
        Assert.Equal(groupId, (long)message.Body["chat"]!["id"]!);
        Assert.Equal("group", (string?)message.Body["chat"]!["kind"]);
        Assert.Equal("Team", (string?)message.Body["chat"]!["name"]);
        Assert.Equal("to the outside", (string?)message.Body["data"]!["text"]);
        Assert.Equal(2L, (long)message.Body["data"]!["seq"]!);

        var only = await messagesOnly.NextAsync();
        Assert.Equal("message", only.Event);
        Assert.True(only.SignatureValid);
        Assert.NotEqual(message.DeliveryId, only.DeliveryId); // A delivery per endpoint.

        await WaitUntilAsync(async () => (await server.Services.GetRequiredService<ChatWebhooks>().GetDeliveriesAsync()).Count(d => d.State == OutboxState.Delivered) == 3);
    }

    [Fact]
    public async Task AFailedAttempt_IsRetriedWithTheSameDeliveryIdAndBody_AfterItsBackoff_AndA410StopsIt()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServer.StartAsync(time: time, engine: b => b.Services.Configure<ChatWebhookOptions>(o => o.Endpoints.Add(Endpoint(receiver.Url, receiver.Secret))));

        receiver.AnswerNext(503);
        var groupId = await server.CreateGroupAsync(Alice, "bob");
        var first = await NextAdvancingAsync(receiver, time);
        Assert.Equal(503, first.AnsweredWith);

        var retried = await NextAdvancingAsync(receiver, time);
        Assert.Equal(200, retried.AnsweredWith);
        Assert.Equal(first.DeliveryId, retried.DeliveryId);
        Assert.Equal(first.Body.ToJsonString(), retried.Body.ToJsonString());

        receiver.AnswerNext(410);
        using (var alice = server.Client(Alice))
        {
            (await alice.PostAsJsonAsync($"/chat/{groupId}/messages", new { text = "gone" })).EnsureSuccessStatusCode();
        }

        var gone = await NextAdvancingAsync(receiver, time);
        Assert.Equal(410, gone.AnsweredWith);
        await WaitUntilAsync(async () => (await server.Services.GetRequiredService<ChatWebhooks>().GetDeliveriesAsync())
            .Any(d => d.DeliveryId == gone.DeliveryId && d.State == OutboxState.Failed));
        Assert.Contains(server.Logs.Entries, e => e.EventId.Id == 3102);
    }

    [Fact]
    public async Task ADeliveryThatFailsEveryAttempt_IsGivenUp_LoggedAndCounted()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServer.StartAsync(time: time, engine: b => b.Services.Configure<ChatWebhookOptions>(o =>
        {
            o.Endpoints.Add(Endpoint(receiver.Url, receiver.Secret));
            o.MaxAttempts = 3;
        }));
        using var meter = new ChatMeterRecorder(server);

        for (var i = 0; i < 3; i++)
        {
            receiver.AnswerNext(500);
        }

        await server.CreateGroupAsync(Alice, "bob");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await NextAdvancingAsync(receiver, time)).DeliveryId);
        }

        Assert.Single(ids.Distinct());
        await WaitUntilAsync(async () => (await server.Services.GetRequiredService<ChatWebhooks>().GetDeliveriesAsync()).Single().State == OutboxState.Failed);
        var failed = (await server.Services.GetRequiredService<ChatWebhooks>().GetDeliveriesAsync()).Single();
        Assert.Equal(3, failed.Attempts);
        Assert.Equal("HTTP 500", failed.LastError);
        Assert.Contains(server.Logs.Entries, e => e.EventId.Id == 3102);
        Assert.Equal(1, meter.Sum("chatengine.webhooks.failed"));
    }

    [Fact]
    public async Task AnAttemptWhoseBodyIsNotReadyWithinTheTimeout_SendsNothing_AndIsTriedAgain()
    {
        // The timeout holds the whole attempt, so one never outlives its lease (twice the timeout) and
        // another host never claims a delivery this one is still sending.
        await using var receiver = await WebhookReceiver.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var reads = new HeldChatReads();
        await using var server = await ChatServer.StartAsync(time: time, services: reads.Wrap, engine: b => b.Services.Configure<ChatWebhookOptions>(o =>
        {
            var endpoint = Endpoint(receiver.Url, receiver.Secret);
            endpoint.Events.Add("message");
            o.Endpoints.Add(endpoint);
            o.Timeout = TimeSpan.FromSeconds(2); // Long enough for the attempt after the held one, on a busy machine.
        }));
        var groupId = await server.CreateGroupAsync(Alice, "bob");
        using (var alice = server.Client(Alice))
        {
            (await alice.PostAsJsonAsync($"/chat/{groupId}/messages", new { text = "slow to describe" })).EnsureSuccessStatusCode();
        }

        // The worker polls on the app's clock, so nothing is claimed before the chat's next read is held.
        var held = reads.HoldNext(groupId);
        time.Advance(TimeSpan.FromSeconds(1));
        await held.WaitAsync(TimeSpan.FromSeconds(20));
        var waiting = await server.OutboxDeliveryAsync(WebhookOutboxWriter.Kind, d => d.LastError is not null);
        Assert.Equal((OutboxState.Pending, 1, null), (waiting.State, waiting.Attempts, waiting.Body));
        Assert.Equal("Its body was not ready within 2 s.", waiting.LastError);
        Assert.Empty(receiver.Drain());

        var sent = await NextAdvancingAsync(receiver, time);
        Assert.Equal(waiting.DeliveryId, sent.DeliveryId);
        Assert.Equal("slow to describe", (string?)sent.Body["data"]!["text"]);
        var delivered = await server.OutboxDeliveryAsync(WebhookOutboxWriter.Kind, d => d.State == OutboxState.Delivered);
        Assert.Equal(2, delivered.Attempts);
    }

    [Fact]
    public async Task AHostStoppedWhileTheReceiverIsAnswering_HandsTheDeliveryBack_FreeForAnotherHostAtOnce()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await ChatServer.StartAsync(logLevel: LogLevel.Information, engine: b => b.Services.Configure<ChatWebhookOptions>(o =>
        {
            var endpoint = Endpoint(receiver.Url, receiver.Secret);
            endpoint.Events.Add("message");
            o.Endpoints.Add(endpoint);
        }));
        var groupId = await server.CreateGroupAsync(Alice, "bob");
        receiver.AnswerNext(200, release: new TaskCompletionSource().Task); // It never answers.
        using (var alice = server.Client(Alice))
        {
            (await alice.PostAsJsonAsync($"/chat/{groupId}/messages", new { text = "sent during a deploy" })).EnsureSuccessStatusCode();
        }

        var sent = await receiver.NextAsync();
        await server.StopAsync(); // The host is stopped for a deploy while the receiver has not answered.

        var handedBack = Assert.Single(await server.Services.GetRequiredService<ChatWebhooks>().GetDeliveriesAsync(), d => d.DeliveryId == sent.DeliveryId);
        Assert.Equal((OutboxState.Pending, 0), (handedBack.State, handedBack.Attempts));
        Assert.Contains(server.Logs.Entries, e => e.EventId.Id == 3104);

        // Another host's worker takes it now, not when its lease would have ended, as a first attempt.
        await using var otherHost = server.Services.CreateAsyncScope();
        var now = DateTimeOffset.UtcNow;
        var retaken = Assert.Single(await otherHost.ServiceProvider.GetRequiredService<IChatOutboxStore>().ClaimDueAsync(WebhookOutboxWriter.Kind, now, now.AddMinutes(1), 10, CancellationToken.None));
        Assert.Equal((sent.DeliveryId, 1), (retaken.DeliveryId, retaken.Attempts));
    }

    [Fact]
    public void Endpoints_BindFromConfiguration_AndBadOnes_FailWithMessagesNamingTheSetting()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ChatEngine:Webhooks:Endpoints:0:Url"] = "https://hooks.example.com/chat",
            ["ChatEngine:Webhooks:Endpoints:0:Secrets:0"] = "s1",
            ["ChatEngine:Webhooks:Endpoints:0:Events:0"] = "message",
            ["ChatEngine:Webhooks:Endpoints:1:Url"] = "ftp://hooks.example.com/chat",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddChatEngine();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<ChatWebhookOptions>>().Value);
        Assert.Contains(error.Failures, f => f.Contains("'ftp://hooks.example.com/chat', which is not an absolute http or https URL", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("needs at least one secret", StringComparison.Ordinal));
        Assert.DoesNotContain(error.Failures, f => f.Contains("https://hooks.example.com/chat'", StringComparison.Ordinal));
    }

    private static ChatWebhookEndpoint Endpoint(string url, params string[] secrets)
    {
        var endpoint = new ChatWebhookEndpoint { Url = url };
        foreach (var secret in secrets)
        {
            endpoint.Secrets.Add(secret);
        }

        return endpoint;
    }

    /// <summary>Moves the server's clock on (the worker's polls and backoff run on it) until the receiver gets something.</summary>
    private static async Task<ReceivedWebhook> NextAdvancingAsync(WebhookReceiver receiver, FakeTimeProvider time)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                return await receiver.NextAsync(TimeSpan.FromMilliseconds(100));
            }
            catch (OperationCanceledException) when (DateTime.UtcNow < deadline)
            {
                time.Advance(TimeSpan.FromSeconds(5));
            }
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 20 s.");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Wraps the chat store so a test can hold one read of a chat's row (the first a delivery's body
    /// makes) until the reader gives up on it: a database that is slow to answer, injected.
    /// </summary>
    private sealed class HeldChatReads
    {
        private readonly Lock _lock = new();
        private long _chatId;
        private TaskCompletionSource? _held;

        /// <summary>Holds the next read of the chat; the task completes when the reader gave up on it.</summary>
        public Task HoldNext(long chatId)
        {
            lock (_lock)
            {
                _chatId = chatId;
                _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return _held.Task;
            }
        }

        public void Wrap(IServiceCollection services)
        {
            var store = services.Last(d => d.ServiceType == typeof(IChatStore));
            services.Remove(store);
            services.AddScoped<IChatStore>(sp =>
            {
                var proxy = DispatchProxy.Create<IChatStoreWithChangeLog, HoldingProxy>();
                ((HoldingProxy)(object)proxy).Set((IChatStore)store.ImplementationFactory!(sp), this);
                return proxy;
            });
        }

        private TaskCompletionSource? Take(long chatId)
        {
            lock (_lock)
            {
                if (_held is null || chatId != _chatId)
                {
                    return null;
                }

                var held = _held;
                _held = null;
                return held;
            }
        }

        /// <summary>The store's interfaces that the engine looks for on it (the change log is found by a cast).</summary>
        public interface IChatStoreWithChangeLog : IChatStore, IChatChangeLog;

        public class HoldingProxy : DispatchProxy
        {
            private IChatStore _inner = null!;
            private HeldChatReads _reads = null!;

            public void Set(IChatStore inner, HeldChatReads reads) => (_inner, _reads) = (inner, reads);

            protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
            {
                if (targetMethod!.Name == nameof(IChatStore.FindByIdAsync) && _reads.Take((long)args![0]!) is { } held)
                {
                    return HoldAsync(held, (CancellationToken)args[1]!);
                }

                try
                {
                    return targetMethod.Invoke(_inner, args);
                }
                catch (TargetInvocationException ex) when (ex.InnerException is { } inner)
                {
                    ExceptionDispatchInfo.Throw(inner);
                    throw;
                }
            }

            private static async Task<Chat?> HoldAsync(TaskCompletionSource held, CancellationToken cancellationToken)
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                    return null;
                }
                finally
                {
                    held.SetResult();
                }
            }
        }
    }
}
