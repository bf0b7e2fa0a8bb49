using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// The message search index, kept beside EF Core's model because neither form is an entity: on SQLite
/// an FTS5 table (contentless, so the text is not stored twice; rowid = message id), on PostgreSQL a
/// <c>tsvector</c> column of the messages table with a GIN index. Both index the text as
/// <see cref="ChatSearchText.Normalize"/> gives it, written by the same statements that change the
/// message, in their transaction. The index is created (and existing messages indexed) the first
/// time a process touches the database, so a host's own migrations need not know of it.
/// </summary>
internal static class SearchIndexSql
{
    public const string Fts = "ChatEngineSearch";
    public const string Vector = "SearchVector";

    private const int BackfillBatch = 1000;

    /// <summary>
    /// An FTS5 prefix index of each word's first three characters, for the last word of a search,
    /// which matches as a prefix: without it a prefix query reads every word that starts with it
    /// before the first result, and three letters start the commonest words ("the", "and", "you").
    /// Longer prefixes select few words; each length indexed costs every send (a third of the
    /// index's writing for this one), so two letters are left to the scan.
    /// </summary>
    private const string FtsPrefixes = "prefix='3'";

    /// <summary>
    /// How FTS5 merges the index's segments (each commit writes one). By default it merges four of a
    /// size a little at each commit, and at sixteen merges them all within one commit. Under group
    /// commit the segments are small and many, and merging was the index's largest cost: a fifth to a
    /// third of SQLite's work per send. Merging sixteen at a time rewrites each entry half as often:
    /// 10 to 16% less of SQLite's work per send, for about 3% more work per search. At 64 the merge of
    /// a whole level within one commit, a pause of tens of milliseconds, comes only if incremental
    /// merging falls far behind. Kept in the table itself, so every connection merges alike.
    /// </summary>
    private static readonly (string Name, int Value)[] FtsMergeSettings = [("automerge", 16), ("crisismerge", 64)];

    private static readonly ConcurrentDictionary<string, Task> Ensured = new(StringComparer.Ordinal);

    /// <summary>Creates the index where it is missing, once per process and database.</summary>
    public static Task EnsureAsync(DbContext db)
    {
        var key = $"{db.Database.ProviderName}|{db.Database.GetConnectionString()}";
        if (Ensured.TryGetValue(key, out var known) && known.IsCompletedSuccessfully)
        {
            return known;
        }

        var task = Ensured.GetOrAdd(key, _ => CreateAsync(db));
        if (task.IsFaulted)
        {
            Ensured.TryRemove(new KeyValuePair<string, Task>(key, task)); // Tried again next time (a database that was down).
        }

        return task;
    }

    /// <summary>Forgets what was ensured (a test database created again under the same name).</summary>
    public static void Forget(string connectionString)
    {
        foreach (var key in Ensured.Keys.Where(k => k.EndsWith("|" + connectionString, StringComparison.Ordinal)))
        {
            Ensured.TryRemove(key, out _);
        }
    }

    private static async Task CreateAsync(DbContext db)
    {
        // The context's own connection, outside any transaction of the caller's (whose rollback would
        // take the index with it): callers ensure before they begin one.
        if (db.Database.CurrentTransaction is not null)
        {
            throw new InvalidOperationException("The search index is ensured before a transaction begins.");
        }

        var sqlite = db.Database.IsSqlite();
        await db.Database.OpenConnectionAsync().ConfigureAwait(false);
        try
        {
            await CreateAsync(db.Database.GetDbConnection(), sqlite).ConfigureAwait(false);
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    private static async Task CreateAsync(DbConnection connection, bool sqlite)
    {
        bool created;
        if (sqlite)
        {
            var definition = await TextAsync(connection, $"SELECT sql FROM sqlite_master WHERE name = '{Fts}'").ConfigureAwait(false);
            created = definition?.Contains(FtsPrefixes, StringComparison.Ordinal) != true;
            if (definition is not null && created)
            {
                // Made by a build without prefix indexes: made again, and filled again below.
                await ExecuteAsync(connection, $"""DROP TABLE "{Fts}" """).ConfigureAwait(false);
            }

            await ExecuteAsync(connection, $"""CREATE VIRTUAL TABLE IF NOT EXISTS "{Fts}" USING fts5("Text", content='', contentless_delete=1, {FtsPrefixes}, tokenize='unicode61 remove_diacritics 0')""").ConfigureAwait(false);
            await ApplyMergeSettingsAsync(connection).ConfigureAwait(false);
        }
        else
        {
            created = await ScalarAsync(connection, $"SELECT COUNT(*) FROM information_schema.columns WHERE table_name = '{ChatTables.Messages}' AND column_name = '{Vector}' AND table_schema = current_schema()").ConfigureAwait(false) == 0;
            await ExecuteAsync(connection, $"""
                ALTER TABLE "{ChatTables.Messages}" ADD COLUMN IF NOT EXISTS "{Vector}" tsvector;
                CREATE INDEX IF NOT EXISTS "IX_{ChatTables.Messages}_{Vector}" ON "{ChatTables.Messages}" USING GIN ("{Vector}");
                """).ConfigureAwait(false);
        }

        if (created)
        {
            await BackfillAsync(connection, sqlite).ConfigureAwait(false);
        }
    }

    /// <summary>Sets what differs from <see cref="FtsMergeSettings"/>: an index made before them gets them too.</summary>
    private static async Task ApplyMergeSettingsAsync(DbConnection connection)
    {
        foreach (var (name, value) in FtsMergeSettings)
        {
            var current = await TextAsync(connection, $"""SELECT CAST(v AS TEXT) FROM "{Fts}_config" WHERE k = '{name}'""").ConfigureAwait(false);
            if (current != value.ToString(CultureInfo.InvariantCulture))
            {
                await ExecuteAsync(connection, $"""INSERT INTO "{Fts}" ("{Fts}", rank) VALUES ('{name}', {value})""").ConfigureAwait(false);
            }
        }
    }

    /// <summary>Indexes the messages that were there before the index, a batch at a time.</summary>
    private static async Task BackfillAsync(DbConnection connection, bool sqlite)
    {
        for (long after = 0; ;)
        {
            var batch = new List<(long Id, string Text)>();
            await using (var read = connection.CreateCommand())
            {
                read.CommandText = $"""SELECT "Id", "Text" FROM "{ChatTables.Messages}" WHERE "Id" > {after} AND NOT "Deleted" ORDER BY "Id" LIMIT {BackfillBatch}""";
                await using var reader = await read.ExecuteReaderAsync().ConfigureAwait(false);
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                    batch.Add((reader.GetInt64(0), reader.GetString(1)));
                }
            }

            if (batch.Count == 0)
            {
                return;
            }

            await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
            await WriteAsync(connection, transaction, batch.ConvertAll(m => (m.Id, IndexedText(m.Text, sqlite))), sqlite, fresh: true).ConfigureAwait(false);
            await transaction.CommitAsync().ConfigureAwait(false);
            after = batch[^1].Id;
        }
    }

    /// <summary>Indexes (or, for messages already there, indexes again) the messages' text, in the caller's transaction.</summary>
    public static Task IndexAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyCollection<(long Id, string Text)> messages, bool sqlite) =>
        WriteAsync(connection, transaction, messages.Select(m => (m.Id, IndexedText(m.Text, sqlite))).ToArray(), sqlite, fresh: false);

    private static async Task WriteAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyCollection<(long Id, string Indexed)> messages, bool sqlite, bool fresh)
    {
        foreach (var chunk in messages.Chunk(sqlite ? 32 : 100))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var values = new StringBuilder();
            for (var i = 0; i < chunk.Length; i++)
            {
                values.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"({chunk[i].Id}, @s{i})");
                var parameter = command.CreateParameter();
                parameter.ParameterName = $"@s{i}";
                parameter.Value = chunk[i].Indexed;
                command.Parameters.Add(parameter);
            }

            var ids = string.Join(", ", chunk.Select(m => m.Id.ToString(CultureInfo.InvariantCulture)));
            command.CommandText = sqlite
                ? $"""{(fresh ? "" : $"DELETE FROM \"{Fts}\" WHERE rowid IN ({ids}); ")}INSERT INTO "{Fts}" (rowid, "Text") VALUES {values}"""
                : $"""UPDATE "{ChatTables.Messages}" AS m SET "{Vector}" = to_tsvector('simple', v.column2) FROM (VALUES {values}) AS v WHERE m."Id" = v.column1""";
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Takes messages out of the index (deleted, erased), in the caller's transaction.</summary>
    public static async Task RemoveAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyCollection<long> messageIds, bool sqlite)
    {
        foreach (var chunk in messageIds.Chunk(500))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var ids = string.Join(", ", chunk.Select(id => id.ToString(CultureInfo.InvariantCulture)));
            command.CommandText = sqlite
                ? $"""DELETE FROM "{Fts}" WHERE rowid IN ({ids})"""
                : $"""UPDATE "{ChatTables.Messages}" SET "{Vector}" = NULL WHERE "Id" IN ({ids})""";
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The text as the index holds it. PostgreSQL's parser reads words by the database's locale, which
    /// may not know letters outside ASCII (the C locale): a word with any is written as <c>x</c> and six
    /// hex digits per character, which keeps a prefix of the word a prefix of its form.
    /// </summary>
    public static string IndexedText(string text, bool sqlite) => IndexedForm(ChatSearchText.Normalize(text), sqlite);

    /// <summary>The indexed form of text already normalized (<see cref="ChatSearchText.Normalize"/>).</summary>
    public static string IndexedForm(string normalized, bool sqlite) =>
        sqlite || normalized.All(c => c is ' ' or (>= 'a' and <= 'z') or (>= '0' and <= '9'))
            ? normalized
            : string.Join(' ', ChatSearchText.Words(normalized).Select(PostgreSqlWord));

    public static string PostgreSqlWord(string word)
    {
        if (word.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9')))
        {
            return word;
        }

        var encoded = new StringBuilder("x", 1 + (6 * word.Length));
        foreach (var rune in word.EnumerateRunes())
        {
            encoded.Append(rune.Value.ToString("x6", CultureInfo.InvariantCulture));
        }

        return encoded.ToString();
    }

    private static async Task<long> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync().ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    private static async Task<string?> TextAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync().ConfigureAwait(false) as string;
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
