using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>Web Push (contract v2, section 5) against a local push service that checks VAPID and decrypts.</summary>
public sealed class PushTests
{
    [Fact]
    public async Task AMessageStillUnreadAfterTheDelay_IsPushed_SignedAndEncrypted_ButNotOneReadAtOnce_NorToAMutedMember()
    {
        await using var pushService = await TestPushService.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartAsync(time);
        var bobDevice = pushService.NewDevice("bob-phone");
        var carolDevice = pushService.NewDevice("carol-phone");
        using var bob = server.Client(Bob);
        using var carol = server.Client(Carol);
        using var first = await bob.PostAsJsonAsync("/push/subscriptions/", bobDevice.Subscription);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        using var again = await bob.PostAsJsonAsync("/push/subscriptions/", bobDevice.Subscription);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode); // The same endpoint: its keys updated, one subscription.
        Assert.Equal((long)(await first.Content.ReadFromJsonAsync<JsonObject>())!["id"]!, (long)(await again.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);
        (await carol.PostAsJsonAsync("/push/subscriptions/", carolDevice.Subscription)).EnsureSuccessStatusCode();
        var listed = Assert.Single((await bob.GetFromJsonAsync<JsonArray>("/push/subscriptions/"))!);
        Assert.Equal("127.0.0.1", (string?)listed!["endpoint_host"]);

        var groupId = await server.CreateGroupAsync(Alice, "bob", "carol");
        (await carol.PutAsJsonAsync($"/chat/{groupId}/notifications", new { level = "none", muted_until = (string?)null })).EnsureSuccessStatusCode();
        using var alice = server.Client(Alice);

        // Read at once: never pushed.
        (await alice.PostAsJsonAsync($"/chat/{groupId}/messages", new { text = "read at once" })).EnsureSuccessStatusCode();
        (await bob.GetAsync($"/group/{groupId}")).EnsureSuccessStatusCode();
        await PushDueProcessedAsync(server, time); // Decided before the next message could stand in for it.

        (await alice.PostAsJsonAsync($"/chat/{groupId}/messages", new { text = "hello @bob, still there?" })).EnsureSuccessStatusCode();
        var push = await pushService.NextAdvancingAsync(time);
        Assert.Equal("bob-phone", push.Device); // Carol chose "none".
        Assert.True(push.VapidValid);
        Assert.Equal("aes128gcm", push.ContentEncoding);
        Assert.Equal("86400", push.Ttl);
        Assert.Equal($"chat-{groupId}", push.Topic);
        Assert.Equal("high", push.Urgency); // It mentions Bob.
        var payload = push.Payload!;
        Assert.Equal("message", (string?)payload["type"]);
        Assert.Equal(groupId, (long)payload["chat_id"]!);
        Assert.Equal("Team", (string?)payload["chat_name"]);
        Assert.Equal("alice", (string?)payload["sender_username"]);
        Assert.Equal("hello @bob, still there?", (string?)payload["text"]);
        Assert.Equal(1L, (long)payload["unread"]!);
        Assert.True((bool)payload["mentioned"]!);

        // Nothing else was pushed: not the message Bob read, not anything to Carol.
        time.Advance(TimeSpan.FromMinutes(1));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pushService.NextAsync(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task NobodyIsPushedAMessageBySomeoneTheyBlocked()
    {
        await using var pushService = await TestPushService.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartAsync(time);
        using var bob = server.Client(Bob);
        using var carol = server.Client(Carol);
        (await bob.PostAsJsonAsync("/push/subscriptions/", pushService.NewDevice("bob-phone").Subscription)).EnsureSuccessStatusCode();
        (await carol.PostAsJsonAsync("/push/subscriptions/", pushService.NewDevice("carol-phone").Subscription)).EnsureSuccessStatusCode();
        var groupId = await server.CreateGroupAsync(Alice, "bob", "carol");
        (await bob.PostAsJsonAsync("/me/blocks/", new { username = "alice" })).EnsureSuccessStatusCode();

        using var alice = server.Client(Alice);
        (await alice.PostAsJsonAsync($"/chat/{groupId}/messages", new { text = "hi both" })).EnsureSuccessStatusCode();
        Assert.Equal("carol-phone", (await pushService.NextAdvancingAsync(time)).Device);
        time.Advance(TimeSpan.FromMinutes(1));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pushService.NextAsync(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task ABurst_PushesItsNewestMessageOnce_AndADeviceThatIsGone_IsUnsubscribed()
    {
        await using var pushService = await TestPushService.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartAsync(time);
        var dave = pushService.NewDevice("dave-old-phone");
        using var daveApi = server.Client(Dave);
        (await daveApi.PostAsJsonAsync("/push/subscriptions/", dave.Subscription)).EnsureSuccessStatusCode();
        var chatId = await server.StartChatAsync(Eve, "dave");
        using var eve = server.Client(Eve);
        for (var i = 1; i <= 5; i++)
        {
            (await eve.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = $"burst {i}" })).EnsureSuccessStatusCode();
        }

        var push = await pushService.NextAdvancingAsync(time);
        Assert.Equal("burst 5", (string?)push.Payload!["text"]);
        Assert.Equal("eve", (string?)push.Payload["chat_name"]); // A private chat is named after the sender.
        Assert.Equal(5L, (long)push.Payload["unread"]!);
        Assert.Equal("normal", push.Urgency);

        pushService.Answer("dave-old-phone", 410);
        time.Advance(TimeSpan.FromSeconds(11));
        (await eve.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "anyone?" })).EnsureSuccessStatusCode();
        var gone = await pushService.NextAdvancingAsync(time);
        Assert.Equal(410, gone.AnsweredWith);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await daveApi.GetFromJsonAsync<JsonArray>("/push/subscriptions/"))!.Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The dead subscription was not removed.");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task ABusyChat_PushesAtMostOncePerInterval_AndItsLastMessageIsPushedInTheEnd()
    {
        await using var pushService = await TestPushService.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartAsync(time);
        var phone = pushService.NewDevice("carol-busy-phone");
        using var carol = server.Client(Carol);
        (await carol.PostAsJsonAsync("/push/subscriptions/", phone.Subscription)).EnsureSuccessStatusCode();
        var chatId = await server.StartChatAsync(Dave, "carol");
        using var dave = server.Client(Dave);

        // A message every 3 seconds for half a minute.
        for (var i = 0; i < 10; i++)
        {
            (await dave.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = $"tick {i}" })).EnsureSuccessStatusCode();
            time.Advance(TimeSpan.FromSeconds(3));
        }

        await PushDueProcessedAsync(server, time);
        var pushes = new List<ReceivedPush>();
        while (true)
        {
            try
            {
                pushes.Add(await pushService.NextAsync(TimeSpan.FromMilliseconds(500)));
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        // 30 s of messages: at most one push per 10 s (how many depends on when the worker looked).
        Assert.InRange(pushes.Count, 1, 4);
        Assert.Equal("tick 9", (string?)pushes[^1].Payload!["text"]);
        Assert.Equal(pushes.Count, pushes.Select(p => (string?)p.Payload!["text"]).Distinct().Count());
    }

    [Fact]
    public async Task ABusyChatsSends_KnowItsPushIsPendingFromTheirOwnCommits_WithoutReadingTheOutboxAgain_AndAMessageAfterItEnded_IsPushedToo()
    {
        await using var pushService = await TestPushService.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var reads = new PendingPushReads();
        await using var server = await StartAsync(time, services: reads.Watch);
        using var carol = server.Client(Carol);
        (await carol.PostAsJsonAsync("/push/subscriptions/", pushService.NewDevice("carol-phone").Subscription)).EnsureSuccessStatusCode();
        var chatId = await server.StartChatAsync(Dave, "carol");
        using var dave = server.Client(Dave);

        await SendAsync(dave, chatId, "one"); // Nothing pending: one read, and the chat's push added, due in 10 s.
        time.Advance(TimeSpan.FromSeconds(5));
        await SendAsync(dave, chatId, "two"); // Known from the first send's commit.
        time.Advance(TimeSpan.FromSeconds(4.5));
        await SendAsync(dave, chatId, "three"); // The push falls due within a second, but it cannot end before "two" is pushed.
        Assert.Equal(1, reads.Count);

        await PushDueProcessedAsync(server, time); // Every push of the chat went, and it ended: nothing newer waits.
        var pushes = new List<string?>();
        while (true)
        {
            try
            {
                pushes.Add((string?)(await pushService.NextAsync(TimeSpan.FromMilliseconds(500))).Payload!["text"]);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        Assert.Equal("three", pushes[^1]);
        Assert.Equal(pushes.Count, pushes.Distinct().Count());

        await SendAsync(dave, chatId, "four"); // What was known ran out: read again, and pushed.
        Assert.Equal(2, reads.Count);
        Assert.Equal("four", (string?)(await pushService.NextAdvancingAsync(time)).Payload!["text"]);
    }

    [Fact]
    public async Task WhenRetentionCouldDeleteAMessageBeforeItsPush_SendsReadTheOutboxAgain()
    {
        await using var pushService = await TestPushService.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var reads = new PendingPushReads();
        await using var server = await StartAsync(time, o => o.Retention.MaxMessageAge = TimeSpan.FromSeconds(10), reads.Watch);
        var chatId = await server.StartChatAsync(Dave, "carol");
        using var dave = server.Client(Dave);

        await SendAsync(dave, chatId, "one");
        time.Advance(TimeSpan.FromSeconds(5));
        await SendAsync(dave, chatId, "two"); // What the first send added is not known until read back.
        time.Advance(TimeSpan.FromSeconds(4.5));
        await SendAsync(dave, chatId, "three"); // Within a second of falling due: read again.
        Assert.Equal(3, reads.Count);
    }

    [Fact]
    public async Task Subscriptions_RefuseOtherHosts_PlainHttp_BadKeys_UnknownKinds_AndOthersIds_AndKeepTheNewestTen()
    {
        await using var server = await ChatServer.StartAsync(engine: b => b.Services.Configure<ChatEngineOptions>(o => SetKeys(o, NewVapidKeys())));
        using var bob = server.Client(Bob);
        var keys = new { p256dh = Base64Url.EncodeToString([4, .. RandomNumberGenerator.GetBytes(64)]), auth = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)) };
        Assert.Equal("invalid_endpoint", await CodeAsync(await bob.PostAsJsonAsync("/push/subscriptions/", new { endpoint = "https://169.254.169.254/latest", keys })));
        Assert.Equal("invalid_endpoint", await CodeAsync(await bob.PostAsJsonAsync("/push/subscriptions/", new { endpoint = "http://fcm.googleapis.com/fcm/send/x", keys })));
        Assert.Equal("invalid_keys", await CodeAsync(await bob.PostAsJsonAsync("/push/subscriptions/", new { endpoint = "https://fcm.googleapis.com/fcm/send/x", keys = new { p256dh = "AAAA", auth = keys.auth } })));
        Assert.Equal("unsupported_push_kind", await CodeAsync(await bob.PostAsJsonAsync("/push/subscriptions/", new { kind = "apns", token = "abc" })));

        long first = 0;
        for (var i = 0; i < 11; i++)
        {
            using var created = await bob.PostAsJsonAsync("/push/subscriptions/", new { endpoint = $"https://updates.push.services.mozilla.com/wpush/v2/{i}", keys, device_id = $"d{i}" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            first = i == 0 ? (long)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]! : first;
        }

        var kept = (await bob.GetFromJsonAsync<JsonArray>("/push/subscriptions/"))!;
        Assert.Equal(10, kept.Count);
        Assert.DoesNotContain(kept, s => (long)s!["id"]! == first);

        using var carol = server.Client(Carol);
        Assert.Equal("subscription_not_found", await CodeAsync(await carol.DeleteAsync($"/push/subscriptions/{(long)kept[0]!["id"]!}")));
        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync($"/push/subscriptions/{(long)kept[0]!["id"]!}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync("/push/vapid-key/")).StatusCode);

        await using var noPush = await ChatServer.StartAsync();
        using var anyone = noPush.Client(Bob);
        Assert.Equal("push_not_configured", await CodeAsync(await anyone.GetAsync("/push/vapid-key/")));
    }

    [Fact]
    public async Task AHostsOwnSender_PushesTheKindItSends_AndOneThatDoesNotAnswer_IsTriedAgainAfterTenSeconds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var fcm = new FcmPushes();
        await using var server = await ChatServer.StartAsync(time: time, services: s => s.AddSingleton(fcm), engine: b => b.AddPushSender<FcmSender>());
        using var bob = server.Client(Bob);
        using (var subscribed = await bob.PostAsJsonAsync("/push/subscriptions/", new { kind = "fcm", token = "bob-phone-token" }))
        {
            Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);
        }

        var groupId = await server.CreateGroupAsync(Alice, "bob");
        var givenUp = fcm.HangNext();
        using (var alice = server.Client(Alice))
        {
            await SendAsync(alice, groupId, "anyone there?");
        }

        // The first send never answers: after 10 s the attempt gives up on it (before its lease ends).
        await time.AdvanceUntilAsync(givenUp, "It did not happen within 40 s.", withinSeconds: 40, pauseMilliseconds: 20);
        var waiting = await server.OutboxDeliveryAsync(PushDeliverer.Kind, d => d.LastError is not null);
        Assert.Equal((OutboxState.Pending, 1, "The fcm sender did not answer within 10 s."), (waiting.State, waiting.Attempts, waiting.LastError));

        var (token, push) = await fcm.NextAdvancingAsync(time);
        Assert.Equal("bob-phone-token", token);
        Assert.Equal((groupId, "Team", "alice", "anyone there?", 1L, false), (push.ChatId, push.ChatName, push.SenderUserName, push.Text, push.Unread, push.Mentioned));
        var delivered = await server.OutboxDeliveryAsync(PushDeliverer.Kind, d => d.State == OutboxState.Delivered);
        Assert.Equal(2, delivered.Attempts);
    }

    [Fact]
    public async Task APushTheSenderRefuses_IsGivenUp_LoggedAndCounted()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ChatServer.StartAsync(time: time, engine: b => b.AddPushSender<RefusingSender>());
        using var meter = new ChatMeterRecorder(server);
        using var bob = server.Client(Bob);
        using (var subscribed = await bob.PostAsJsonAsync("/push/subscriptions/", new { kind = "apns", token = "bob-tablet-token" }))
        {
            Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);
        }

        var groupId = await server.CreateGroupAsync(Alice, "bob");
        using (var alice = server.Client(Alice))
        {
            await SendAsync(alice, groupId, "anyone there?");
        }

        var givenUp = server.OutboxDeliveryAsync(PushDeliverer.Kind, d => d.State == OutboxState.Failed);
        await time.AdvanceUntilAsync(givenUp, "It was not given up within 40 s.", withinSeconds: 40, pauseMilliseconds: 20);

        Assert.Equal((1, "The apns sender answered Failed."), ((await givenUp).Attempts, (await givenUp).LastError));
        Assert.Contains(server.Logs.Entries, e => e.EventId.Id == 3112);
        Assert.Equal(1, meter.Sum("chatengine.push.failed"));
    }

    private static Task<ChatServer> StartAsync(FakeTimeProvider time, Action<ChatEngineOptions>? options = null, Action<IServiceCollection>? services = null) =>
        ChatServer.StartAsync(time: time, services: services, engine: b => b.Services.Configure<ChatEngineOptions>(o =>
        {
            SetKeys(o, NewVapidKeys());
            o.Push.AllowInsecureEndpoints = true; // The local push service speaks plain HTTP on loopback.
            o.Push.AllowedEndpointHosts.Add("127.0.0.1");
            options?.Invoke(o);
        }));

    private static async Task SendAsync(HttpClient client, long chatId, string text) =>
        (await client.PostAsJsonAsync($"/chat/{chatId}/messages", new { text })).EnsureSuccessStatusCode();

    private static void SetKeys(ChatEngineOptions options, (string Public, string Private) keys)
    {
        options.Push.VapidPublicKey = keys.Public;
        options.Push.VapidPrivateKey = keys.Private;
        options.Push.VapidSubject = "mailto:ops@example.com";
    }

    private static (string Public, string Private) NewVapidKeys()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = key.ExportParameters(true);
        return (Base64Url.EncodeToString([4, .. parameters.Q.X!, .. parameters.Q.Y!]), Base64Url.EncodeToString(parameters.D));
    }

    private static async Task<string?> CodeAsync(HttpResponseMessage response)
    {
        using (response)
        {
            return (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["code"];
        }
    }

    /// <summary>Moves the clock past the delay until every due push was looked at (pushed to someone or to no one).</summary>
    private static async Task PushDueProcessedAsync(ChatServer server, FakeTimeProvider time)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            await using var scope = server.Services.CreateAsyncScope();
            var due = await scope.ServiceProvider.GetRequiredService<IChatOutboxStore>().GetRecentAsync("push", 100, CancellationToken.None);
            if (due.Count > 0 && due.All(d => d.State != OutboxState.Pending))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "The due push was not looked at.");
            time.Advance(TimeSpan.FromSeconds(2));
            await Task.Delay(20);
        }
    }

    /// <summary>Counts the push scheduler's reads of the outbox (which chats have a pending push), through the real store.</summary>
    private sealed class PendingPushReads
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Watch(IServiceCollection services)
        {
            var store = services.Last(d => d.ServiceType == typeof(IChatOutboxStore));
            services.Remove(store);
            services.AddScoped<IChatOutboxStore>(sp => new Counting((IChatOutboxStore)store.ImplementationFactory!(sp), this));
        }

        private sealed class Counting(IChatOutboxStore inner, PendingPushReads reads) : IChatOutboxStore
        {
            public Task<IReadOnlyDictionary<string, DateTimeOffset>> FindPendingAsync(string kind, IReadOnlyCollection<string> targets, CancellationToken cancellationToken)
            {
                if (kind == "push")
                {
                    Interlocked.Increment(ref reads._count);
                }

                return inner.FindPendingAsync(kind, targets, cancellationToken);
            }

            public Task AddAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken) => inner.AddAsync(messages, cancellationToken);

            public Task<IReadOnlyList<OutboxMessage>> ClaimDueAsync(string kind, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken) =>
                inner.ClaimDueAsync(kind, now, leaseUntil, limit, cancellationToken);

            public Task CompleteAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken) => inner.CompleteAsync(messages, cancellationToken);

            public Task ReleaseAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken) => inner.ReleaseAsync(messages, cancellationToken);

            public Task<IReadOnlySet<string>> FindExistingAsync(IReadOnlyCollection<string> deliveryIds, CancellationToken cancellationToken) =>
                inner.FindExistingAsync(deliveryIds, cancellationToken);

            public Task<IReadOnlyList<OutboxMessage>> GetRecentAsync(string kind, int limit, CancellationToken cancellationToken) => inner.GetRecentAsync(kind, limit, cancellationToken);
        }
    }

    /// <summary>What a host's FCM sender was given; the test can make its next send hang until it is given up on.</summary>
    private sealed class FcmPushes
    {
        private readonly Channel<(string Token, ChatPushMessage Message)> _sent = Channel.CreateUnbounded<(string, ChatPushMessage)>();
        private TaskCompletionSource? _hang;

        /// <summary>The next send waits until its token is cancelled; the task completes then.</summary>
        public Task HangNext()
        {
            var hang = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _hang, hang);
            return hang.Task;
        }

        public async Task<ChatPushResult> SendAsync(ChatPushSubscription subscription, ChatPushMessage message, CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _hang, null) is { } hang)
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                finally
                {
                    hang.SetResult();
                }
            }

            _sent.Writer.TryWrite((subscription.Endpoint, message));
            return ChatPushResult.Delivered;
        }

        public async Task<(string Token, ChatPushMessage Message)> NextAdvancingAsync(FakeTimeProvider time)
        {
            var next = _sent.Reader.ReadAsync().AsTask();
            await time.AdvanceUntilAsync(next, "It did not happen within 40 s.", withinSeconds: 40, pauseMilliseconds: 20);
            return await next;
        }
    }

    /// <summary>A host's sender whose service refuses every push (as one with a revoked key would).</summary>
    private sealed class RefusingSender : IChatPushSender
    {
        public string Kind => "apns";

        public Task<ChatPushResult> SendAsync(ChatPushSubscription subscription, ChatPushMessage message, CancellationToken cancellationToken) =>
            Task.FromResult(ChatPushResult.Failed);
    }

    /// <summary>A host's sender for FCM subscriptions, as <c>AddPushSender&lt;T&gt;()</c> adds one (scoped).</summary>
    private sealed class FcmSender(FcmPushes pushes) : IChatPushSender
    {
        public string Kind => "fcm";

        public Task<ChatPushResult> SendAsync(ChatPushSubscription subscription, ChatPushMessage message, CancellationToken cancellationToken) =>
            pushes.SendAsync(subscription, message, cancellationToken);
    }
}
