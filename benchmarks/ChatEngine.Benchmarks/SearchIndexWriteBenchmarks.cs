using BenchmarkDotNet.Attributes;
using ChatEngine.EntityFrameworkCore;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine.Benchmarks;

/// <summary>
/// What the SQLite search index costs a group commit: sixteen sentences of <see cref="ChatWords"/>
/// written to it in one transaction, as the write loop writes them, while the index merges its
/// segments by FTS5's defaults (four at a time; a whole level within one commit at sixteen) or as
/// ChatEngine sets it (sixteen; sixty-four). Its merges are amortized over the run, as in a server's.
/// The disk is left out (no sync), so the time is the processor's: what the loop's thread pays.
/// </summary>
[MemoryDiagnoser]
public class SearchIndexWriteBenchmarks
{
    private const int PerCommit = 16;
    private readonly string[] _texts = new string[4096];
    private ChatEngineFixture _fixture = null!;
    private SqliteConnection _connection = null!;
    private SqliteCommand _insert = null!;
    private long _next;

    [Params("Fts5Defaults", "ChatEngine")]
    public string Merging { get; set; } = "ChatEngine";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _fixture = await ChatEngineFixture.CreateAsync("Sqlite", users: 1);
        var connectionString = await _fixture.InScopeAsync(async sp =>
        {
            // A search makes the index, with ChatEngine's settings, as a process's first touch does.
            await sp.GetRequiredService<MessageSearch>().SearchAsync(1, new MessageSearchRequest("anything"));
            return sp.GetRequiredService<SqliteChatDbContext>().Database.GetConnectionString()!;
        });

        _connection = new SqliteConnection(connectionString);
        await _connection.OpenAsync();
        await using (var settings = _connection.CreateCommand())
        {
            settings.CommandText = Merging == "Fts5Defaults"
                ? """
                  PRAGMA synchronous = OFF;
                  INSERT INTO "ChatEngineSearch" ("ChatEngineSearch", rank) VALUES ('automerge', 4);
                  INSERT INTO "ChatEngineSearch" ("ChatEngineSearch", rank) VALUES ('crisismerge', 16);
                  """
                : "PRAGMA synchronous = OFF;";
            await settings.ExecuteNonQueryAsync();
        }

        _insert = _connection.CreateCommand();
        _insert.CommandText = """INSERT INTO "ChatEngineSearch" (rowid, "Text") VALUES ($id, $text)""";
        _insert.Parameters.Add("$id", SqliteType.Integer);
        _insert.Parameters.Add("$text", SqliteType.Text);
        var random = new Random(42);
        for (var i = 0; i < _texts.Length; i++)
        {
            _texts[i] = ChatSearchText.Normalize(ChatWords.Sentence(random));
        }
    }

    [Benchmark]
    public void CommitSixteen()
    {
        using var transaction = _connection.BeginTransaction();
        _insert.Transaction = transaction;
        for (var i = 0; i < PerCommit; i++)
        {
            var id = ++_next;
            _insert.Parameters[0].Value = id;
            _insert.Parameters[1].Value = _texts[id % _texts.Length];
            _insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _insert.DisposeAsync();
        await _connection.DisposeAsync();
        await _fixture.DisposeAsync();
    }
}
