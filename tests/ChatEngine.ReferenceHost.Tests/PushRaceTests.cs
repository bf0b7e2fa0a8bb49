using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatEngine.AspNetCore.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Xunit;

namespace ChatEngine.ReferenceHost.Tests;

/// <summary>
/// A chat's due push and a send racing it: the send finds the push pending and schedules none, so the
/// push must not end without its message. The reference host on SQLite and on PostgreSQL, with the
/// push worker held between its plan and its end, and the send held inside its transaction.
/// </summary>
public sealed class PushRaceTests
{
    [Theory]
    [InlineData("Sqlite")]
    [InlineData("PostgreSql")]
    public async Task AMessageSentWhileTheChatsPushIsUnderWay_IsPushedAfterIt(string provider)
    {
        await using var pushService = await TestPushService.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var worker = new Hold();
        var send = new Hold();
        var database = provider == "PostgreSql" ? await TestPostgreSql.CreateDatabaseAsync() : default;
        try
        {
            await using (var host = new ReferenceHostFactory
            {
                TestServices = services =>
                {
                    services.AddSingleton<TimeProvider>(time);
                    // The worker stops after its plan (it reads the devices of those it pushes to next).
                    var subscriptions = services.Last(d => d.ServiceType == typeof(IChatPushSubscriptionStore));
                    services.Remove(subscriptions);
                    services.AddScoped<IChatPushSubscriptionStore>(sp => new HeldSubscriptions((IChatPushSubscriptionStore)subscriptions.ImplementationFactory!(sp), worker));
                    // The send stops inside its transaction, after the push outbox found the chat's push pending.
                    services.AddScoped<IChatChangeParticipant>(_ => new HeldParticipant("second", send));
                },
            })
            {
                host.Settings["Database:Provider"] = provider;
                host.Settings["ChatEngine:Push:AllowInsecureEndpoints"] = "true";
                host.Settings["ChatEngine:Push:AllowedEndpointHosts:0"] = "127.0.0.1";
                if (database.ConnectionString is { } connectionString)
                {
                    host.Settings["ConnectionStrings:Chat"] = connectionString;
                }

                try
                {
                    var suffix = Guid.NewGuid().ToString("N")[..12];
                    using var annApi = await UserAsync(host, "ann" + suffix);
                    using var benApi = await UserAsync(host, "ben" + suffix);
                    var phone = pushService.NewDevice($"ben-phone-{suffix}");
                    (await benApi.PostAsJsonAsync("/push/subscriptions/", phone.Subscription)).EnsureSuccessStatusCode();
                    using var chat = await annApi.PostAsJsonAsync("/chat/", new { username = "ben" + suffix });
                    var chatId = (long)(await chat.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>())!["id"]!;

                    worker.Arm();
                    (await annApi.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "first" })).EnsureSuccessStatusCode();
                    await time.AdvanceUntilAsync(worker.Entered, "The chat's push was not planned.");

                    send.Arm();
                    var second = annApi.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "second" });
                    await send.Entered.WaitAsync(TimeSpan.FromSeconds(20));
                    worker.Release();
                    if (database.Name is { } name)
                    {
                        // The push's end waits for the chat's lock, which the send holds until it commits.
                        await WaitForALockWaitAsync(database.ConnectionString, name);
                    }

                    send.Release();
                    (await second).EnsureSuccessStatusCode();

                    Assert.Equal("first", (string?)(await pushService.NextAdvancingAsync(time)).Payload!["text"]);
                    Assert.Equal("second", (string?)(await pushService.NextAdvancingAsync(time)).Payload!["text"]);
                    time.Advance(TimeSpan.FromMinutes(1));
                    await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pushService.NextAsync(TimeSpan.FromMilliseconds(500)));
                }
                finally
                {
                    // A failed step leaves nothing held, or the host could not stop.
                    worker.Release();
                    send.Release();
                }
            }
        }
        finally
        {
            if (database.Name is { } name)
            {
                await TestPostgreSql.DropDatabaseAsync(name);
            }
        }
    }

    private static async Task<HttpClient> UserAsync(ReferenceHostFactory host, string name)
    {
        var api = host.NewClient();
        (await api.PostAsJsonAsync("/user/register/", new { username = name, password = "Passw0rd!" })).EnsureSuccessStatusCode();
        using var token = await api.PostAsJsonAsync("/api/token/", new { username = name, password = "Passw0rd!" });
        api.DefaultRequestHeaders.Authorization = new("Bearer", (string)(await token.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>())!["access"]!);
        return api;
    }

    private static async Task WaitForALockWaitAsync(string connectionString, string database)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var waiting = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = @db AND wait_event_type = 'Lock'", connection);
        waiting.Parameters.AddWithValue("db", database);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((long)(await waiting.ExecuteScalarAsync())! == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The push ended without waiting for the send that holds its chat.");
            await Task.Delay(20);
        }
    }

    /// <summary>Stops the first caller after <see cref="Arm"/> until <see cref="Release"/>.</summary>
    private sealed class Hold
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _armed;

        public Task Entered => _entered.Task;

        public void Arm() => Volatile.Write(ref _armed, 1);

        public void Release() => _release.TrySetResult();

        public Task PassAsync()
        {
            if (Interlocked.Exchange(ref _armed, 0) == 0)
            {
                return Task.CompletedTask;
            }

            _entered.TrySetResult();
            return _release.Task;
        }
    }

    private sealed class HeldSubscriptions(IChatPushSubscriptionStore inner, Hold hold) : IChatPushSubscriptionStore
    {
        public async Task<IReadOnlyList<ChatPushSubscription>> GetForUsersAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
        {
            await hold.PassAsync();
            return await inner.GetForUsersAsync(userIds, cancellationToken);
        }

        public Task<(long Id, bool Created)> SaveAsync(ChatPushSubscription subscription, int maxPerUser, CancellationToken cancellationToken) =>
            inner.SaveAsync(subscription, maxPerUser, cancellationToken);

        public Task<ChatPushSubscription?> FindAsync(long id, CancellationToken cancellationToken) => inner.FindAsync(id, cancellationToken);

        public Task<bool> DeleteAsync(long id, long? userId, CancellationToken cancellationToken) => inner.DeleteAsync(id, userId, cancellationToken);
    }

    private sealed class HeldParticipant(string text, Hold hold) : IChatChangeParticipant
    {
        public Task OnCommittingAsync(IReadOnlyList<ChatLogEntry> changes, CancellationToken cancellationToken) =>
            changes.Any(c => c.Message?.Text == text) ? hold.PassAsync() : Task.CompletedTask;
    }
}
