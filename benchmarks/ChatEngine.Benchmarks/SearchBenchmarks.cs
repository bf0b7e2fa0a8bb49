using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using ChatEngine.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine.Benchmarks;

/// <summary>
/// Message search over 1,000,000 messages in 1,000 groups (CHATENGINE_SEARCH_MESSAGES sets another
/// size, as the test script's smoke run does), for a user in 50 of them: a rare word, the commonest
/// word, two words, a prefix, and the commonest word by relevance, over <see cref="ChatWords"/>.
/// </summary>
[MemoryDiagnoser]
public class SearchBenchmarks
{
    private const int Chats = 1000;
    private ChatEngineFixture _fixture = null!;

    [Params("Sqlite", "PostgreSql")]
    public string Store { get; set; } = "Sqlite";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var total = int.TryParse(Environment.GetEnvironmentVariable("CHATENGINE_SEARCH_MESSAGES"), CultureInfo.InvariantCulture, out var size) ? size : 1_000_000;
        // Seeded once, and kept for the next benchmark process (each runs its own setup).
        _fixture = await ChatEngineFixture.CreateAsync(Store, users: 20, keptDatabase: $"chatengine_bench_search_{total}");
        if (_fixture.IsFresh)
        {
            await _fixture.InScopeAsync(async sp =>
            {
                var db = (DbContext?)sp.GetService<SqliteChatDbContext>() ?? sp.GetRequiredService<PostgreSqlChatDbContext>();
                await SeedAsync(db, total);
                return 0;
            });
            await _fixture.MarkSeededAsync();
        }
    }

    [Benchmark]
    public Task<MessageSearchPage> RareWord() => SearchAsync(ChatWords.Words[3000]);

    [Benchmark]
    public Task<MessageSearchPage> CommonestWord() => SearchAsync(ChatWords.Words[0]);

    [Benchmark]
    public Task<MessageSearchPage> TwoWords() => SearchAsync($"{ChatWords.Words[10]} {ChatWords.Words[200]}");

    [Benchmark]
    public Task<MessageSearchPage> Prefix() => SearchAsync(ChatWords.Words[150][..3]);

    [Benchmark]
    public Task<MessageSearchPage> CommonestWordByRelevance() => SearchAsync(ChatWords.Words[0], MessageSearchOrder.Relevance);

    [GlobalCleanup]
    public async Task CleanupAsync() => await _fixture.DisposeAsync();

    private Task<MessageSearchPage> SearchAsync(string query, MessageSearchOrder order = MessageSearchOrder.Recent) =>
        _fixture.InScopeAsync(sp => sp.GetRequiredService<MessageSearch>().SearchAsync(1, new MessageSearchRequest(query) { Order = order }));

    /// <summary>Chats, memberships (user 1 in every 20th chat) and messages written straight to the tables, indexed as sends index them.</summary>
    private async Task SeedAsync(DbContext db, int total)
    {
        var sqlite = db.Database.IsSqlite();
        var now = DateTime.UtcNow;
        var perChat = Math.Max(1, total / Chats);
        for (var c = 1; c <= Chats; c++)
        {
            db.Add(new ChatEntity { Kind = ChatKind.Group, Name = $"group {c}", JoinCode = $"code{c}", CreatedAt = now, LastSequence = perChat, Seq = perChat });
        }

        await db.SaveChangesAsync();
        var chatIds = await db.Set<ChatEntity>().Select(c => c.Id).OrderBy(id => id).ToListAsync();
        foreach (var (chatId, index) in chatIds.Select((id, i) => (id, i)))
        {
            var members = index % 20 == 0 ? new long[] { 1, 2, 3 } : [2 + (index % 18), 3];
            foreach (var user in members.Distinct())
            {
                db.Add(new ChatMemberEntity { ChatId = chatId, UserId = user, JoinedAt = now, Role = user == 1 ? ChatRole.Owner : ChatRole.Member });
            }
        }

        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();
        await db.Database.OpenConnectionAsync();
        var connection = db.Database.GetDbConnection();
        var random = new Random(42);
        var rows = sqlite ? 32 : 200;
        for (var start = 0; start < perChat * Chats; start += 5000)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            var batch = new List<(long Id, string Text)>();
            for (var chunk = start; chunk < Math.Min(start + 5000, perChat * Chats); chunk += rows)
            {
                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                var sql = new StringBuilder($"""INSERT INTO "{ChatTables.Messages}" ("ChatId", "Sequence", "Seq", "SenderId", "Text", "SentAt", "Deleted", "AttachmentCount") VALUES """);
                var texts = new List<string>();
                for (var n = chunk; n < Math.Min(chunk + rows, Math.Min(start + 5000, perChat * Chats)); n++)
                {
                    // Round robin over the chats, so every chat's messages spread over the whole id range.
                    var chatId = chatIds[n % Chats];
                    var sequence = (n / Chats) + 1;
                    var text = ChatWords.Sentence(random);
                    texts.Add(text);
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = $"@t{texts.Count}";
                    parameter.Value = text;
                    command.Parameters.Add(parameter);
                    var time = command.CreateParameter();
                    time.ParameterName = $"@a{texts.Count}";
                    time.Value = now.AddSeconds(n - total);
                    command.Parameters.Add(time);
                    sql.Append(texts.Count == 1 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"({chatId}, {sequence}, {sequence}, 2, @t{texts.Count}, @a{texts.Count}, FALSE, 0)");
                }

                sql.Append(""" RETURNING "Id", "Text" """);
                command.CommandText = sql.ToString();
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    batch.Add((reader.GetInt64(0), reader.GetString(1)));
                }
            }

            await SearchIndexSql.IndexAsync(connection, transaction, batch, sqlite);
            await transaction.CommitAsync();
        }

        if (!sqlite)
        {
            await using var analyze = connection.CreateCommand();
            analyze.CommandText = "ANALYZE";
            await analyze.ExecuteNonQueryAsync();
        }

        await db.Database.CloseConnectionAsync();
    }
}
