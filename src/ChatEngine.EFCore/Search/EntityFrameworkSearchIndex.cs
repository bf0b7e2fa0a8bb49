using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// Message search on the index of <see cref="SearchIndexSql"/>: SQLite FTS5 <c>MATCH</c> ranked by
/// <c>bm25</c>, or PostgreSQL <c>@@</c> on the GIN-indexed <c>tsvector</c> ranked by <c>ts_rank</c>. The
/// caller's memberships are joined inside the query, so only their chats' messages are ever read;
/// newest first walks the index in message id order and stops at the page's end.
/// </summary>
internal sealed class EntityFrameworkSearchIndex<TContext>(Func<TContext> context) : ISearchIndex
    where TContext : DbContext
{
    public async Task<IReadOnlyList<MessageSearchHit>> SearchAsync(MessageSearchQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var db = context();
        await SearchIndexSql.EnsureAsync(db).ConfigureAwait(false);
        var sqlite = db.Database.IsSqlite();
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = sqlite ? SqliteSql(query, command) : PostgreSqlSql(query, command);
            var hits = new List<MessageSearchHit>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                hits.Add(new MessageSearchHit(
                    reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), EntityTime.FromStored(reader.GetFieldValue<DateTime>(3)), reader.GetString(4),
                    Convert.ToDouble(reader.GetValue(5), CultureInfo.InvariantCulture)));
            }

            return hits;
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    private static string SqliteSql(MessageSearchQuery query, DbCommand command)
    {
        // FTS5 phrases in double quotes; words hold letters and digits only, so nothing needs escaping.
        var match = string.Join(" ", query.Terms.Select(t => $"\"{string.Join(' ', t.Words)}\"" + (t.Prefix ? " *" : "")));
        Add(command, "@match", match);
        Add(command, "@user", query.UserId);
        var filters = Filters(query, command, "s.rowid");
        var select = $"""
            SELECT m."Id", m."ChatId", m."SenderId", m."SentAt", m."Text", {(query.Order == MessageSearchOrder.Relevance ? $"-bm25(\"{SearchIndexSql.Fts}\")" : "0.0")} AS "Rank"
            FROM "{SearchIndexSql.Fts}" AS s
            JOIN "{ChatTables.Messages}" AS m ON m."Id" = s.rowid
            JOIN "{ChatTables.Members}" AS cm ON cm."ChatId" = m."ChatId" AND cm."UserId" = @user
            WHERE "{SearchIndexSql.Fts}" MATCH @match AND NOT m."Deleted"{filters}
            """;
        return Page(query, command, select, "s.rowid");
    }

    private static string PostgreSqlSql(MessageSearchQuery query, DbCommand command)
    {
        // tsquery lexemes in single quotes, phrases joined by <->; words are letters and digits only.
        var tsquery = string.Join(" & ", query.Terms.Select(t =>
        {
            var words = t.Words.Select((w, i) => $"'{SearchIndexSql.PostgreSqlWord(w)}'" + (t.Prefix && i == t.Words.Count - 1 ? ":*" : "")).ToArray();
            return words.Length == 1 ? words[0] : "(" + string.Join(" <-> ", words) + ")";
        }));
        Add(command, "@match", tsquery);
        Add(command, "@user", query.UserId);
        var filters = Filters(query, command, "m.\"Id\"");
        var select = $"""
            SELECT m."Id", m."ChatId", m."SenderId", m."SentAt", m."Text", {(query.Order == MessageSearchOrder.Relevance ? $"ts_rank(m.\"{SearchIndexSql.Vector}\", q)" : "0.0")} AS "Rank"
            FROM "{ChatTables.Messages}" AS m
            JOIN "{ChatTables.Members}" AS cm ON cm."ChatId" = m."ChatId" AND cm."UserId" = @user,
            to_tsquery('simple', @match) AS q
            WHERE m."{SearchIndexSql.Vector}" @@ q AND NOT m."Deleted"{filters}
            """;
        return Page(query, command, select, "m.\"Id\"");
    }

    private static string Filters(MessageSearchQuery query, DbCommand command, string idColumn)
    {
        var filters = new StringBuilder();
        if (query.ChatId is { } chatId)
        {
            Add(command, "@chat", chatId);
            filters.Append(" AND m.\"ChatId\" = @chat");
        }

        if (query.SenderId is { } senderId)
        {
            Add(command, "@sender", senderId);
            filters.Append(" AND m.\"SenderId\" = @sender");
        }

        if (query.Order == MessageSearchOrder.Recent && query.BeforeId is { } before)
        {
            Add(command, "@before", before);
            filters.Append(CultureInfo.InvariantCulture, $" AND {idColumn} < @before");
        }

        return filters.ToString();
    }

    /// <summary>
    /// Newest first straight off the index. By relevance: the newest <see cref="MessageSearch.RelevanceWindow"/>
    /// matches, ranked, ties newest first, after the cursor; so a word in half of all messages costs a
    /// bounded ranking, not one of every message that has it.
    /// </summary>
    private static string Page(MessageSearchQuery query, DbCommand command, string select, string idColumn)
    {
        Add(command, "@limit", query.Limit);
        if (query.Order == MessageSearchOrder.Recent)
        {
            return $"{select} ORDER BY {idColumn} DESC LIMIT @limit";
        }

        Add(command, "@window", MessageSearch.RelevanceWindow);
        select = $"{select} ORDER BY {idColumn} DESC LIMIT @window";

        var after = "";
        if (query.After is { } cursor)
        {
            Add(command, "@rank", cursor.Rank);
            Add(command, "@after", cursor.Id);
            after = " WHERE r.\"Rank\" < @rank OR (r.\"Rank\" = @rank AND r.\"Id\" < @after)";
        }

        return $"SELECT * FROM ({select}) AS r{after} ORDER BY r.\"Rank\" DESC, r.\"Id\" DESC LIMIT @limit";
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
