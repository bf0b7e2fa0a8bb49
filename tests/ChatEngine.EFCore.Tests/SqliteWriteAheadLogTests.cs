using System.Buffers.Binary;
using ChatEngine.EntityFrameworkCore;
using ChatEngine.InMemory;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace ChatEngine.EFCore.Tests;

/// <summary>
/// SQLite's write-ahead log starts over only when a transaction begins with all of it copied into the
/// database, which a write loop that commits while every checkpoint runs never sees: under steady load
/// the log grew for good.
/// </summary>
public sealed class SqliteWriteAheadLogTests : IAsyncLifetime
{
    private const int RestartPages = 64;
    private const int Senders = 8;
    private static readonly TimeSpan CheckpointInterval = SqliteCheckpoints<SqliteChatDbContext>.Interval;

    private readonly SqliteTestDatabase _database = new();
    private readonly FakeTimeProvider _clock = new();
    private ServiceProvider _provider = null!;
    private long _chatId;
    private long _pageSize;

    private string Log => new SqliteConnectionStringBuilder(_database.ConnectionString).DataSource + "-wal";

    public async Task InitializeAsync()
    {
        var users = new InMemoryChatUserDirectory();
        for (var id = 1; id <= Senders; id++)
        {
            users.Add(new ChatUser(id, $"user{id}"));
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_clock); // Checkpoints start at most once an interval by it.
        services.AddDbContext<SqliteChatDbContext>(_database.Configure);
        services.AddChatEngineCore().AddUserDirectory(users).AddEntityFrameworkStores<SqliteChatDbContext>(o => o.SqliteLogRestartPages = RestartPages);
        _provider = services.BuildServiceProvider();
        await using var scope = _provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SqliteChatDbContext>();
        await DatabaseMigrator<SqliteChatDbContext>.MigrateAsync(db, CancellationToken.None);
        _pageSize = (await db.Database.SqlQueryRaw<long>("""SELECT page_size AS "Value" FROM pragma_page_size""").ToListAsync()).Single();
        var group = await scope.ServiceProvider.GetRequiredService<GroupService>()
            .CreateGroupAsync(1, "Steady", [.. Enumerable.Range(2, Senders - 1).Select(id => $"user{id}")]);
        _chatId = group.Chat.Id;
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task UnderSendsThatNeverPause_TheLogStartsOverOnceLong()
    {
        // Senders that each send again as soon as they are answered: the write loop always has a batch,
        // and commits while every checkpoint runs. A checkpoint interval passes every 50 sends.
        using var stop = new CancellationTokenSource();
        var sent = 0;
        var senders = Enumerable.Range(1, Senders).Select(sender => Task.Run(async () =>
        {
            await using var scope = _provider.CreateAsyncScope();
            var messaging = scope.ServiceProvider.GetRequiredService<MessagingService>();
            while (!stop.IsCancellationRequested)
            {
                var number = Interlocked.Increment(ref sent);
                await messaging.SendAsync(sender, _chatId, $"steady {number} from {sender}");
                if (number % 50 == 0)
                {
                    _clock.Advance(CheckpointInterval);
                }
            }
        })).ToArray();

        var firstSalt = await SaltAsync();
        var restarts = 0u;
        long longest = 0;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (restarts < 5)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The log started over {restarts} times in a minute of {sent} sends; it grew to {longest / _pageSize} pages.");
            Assert.DoesNotContain(senders, s => s.IsFaulted);
            await Task.Delay(TimeSpan.FromMilliseconds(2)); // How often to look, not what to wait for.
            longest = Math.Max(longest, new FileInfo(Log).Length);
            restarts = await SaltAsync() - firstSalt;
        }

        await stop.CancelAsync();
        await Task.WhenAll(senders);
        // Here the log grew to 800 to 1,300 pages at most; with the write loop leaving it to the checkpoints, 6,000 to 26,000.
        Assert.True(longest < 48L * RestartPages * _pageSize, $"The log grew to {longest / _pageSize} pages between starts over.");
    }

    [Fact]
    public async Task ALogThatALongReadLetGrow_IsCutBackWhenItStartsOver()
    {
        await using var scope = _provider.CreateAsyncScope();
        var messaging = scope.ServiceProvider.GetRequiredService<MessagingService>();

        // A read that stays open keeps every frame after its snapshot from being copied, so the log grows.
        await using (var reader = new SqliteConnection(_database.ConnectionString))
        {
            await reader.OpenAsync();
            await using var read = reader.BeginTransaction(deferred: true); // BEGIN IMMEDIATE would take the write lock.
            await using var count = reader.CreateCommand();
            count.CommandText = """SELECT count(*) FROM "ChatEngineMessages" """;
            count.Transaction = read;
            await count.ExecuteScalarAsync();
            for (var i = 0; new FileInfo(Log).Length <= 8L * RestartPages * _pageSize; i++)
            {
                _clock.Advance(CheckpointInterval);
                await messaging.SendAsync(1, _chatId, $"while a read lasts {i}");
            }
        }

        var salt = await SaltAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await SaltAsync() == salt)
        {
            Assert.True(DateTime.UtcNow < deadline, "The log did not start over once the read ended.");
            _clock.Advance(CheckpointInterval);
            await messaging.SendAsync(2, _chatId, "after the read");
        }

        // The send after the one that started the log over finds it cut back to twice the restart length.
        await messaging.SendAsync(2, _chatId, "once more");
        Assert.InRange(new FileInfo(Log).Length, 1, 2L * RestartPages * _pageSize);
    }

    /// <summary>The log header's first salt (bytes 16 to 19, big-endian), which SQLite adds one to each time the log starts over.</summary>
    private async Task<uint> SaltAsync()
    {
        await using var file = new FileStream(Log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var header = new byte[32];
        await file.ReadExactlyAsync(header);
        return BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16));
    }
}
