using System.Data.Common;
using System.Globalization;
using System.Text;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// The statements of one group-commit batch, each for the whole batch at once: who is a member, which
/// client ids are stored, the sequence reservation, the inserts, the senders' read positions.
/// </summary>
internal static class SendStatements
{
    /// <summary>
    /// Which (chat, sender) pairs among the batch's chats and senders are memberships, with what may
    /// refuse the sender: an admin's mute; in a private chat, the other member gone (erased) or a block
    /// between the pair. One query (the members key is (chat, user), blocks are looked up by their
    /// key, private chats only); the plan looks up only the pairs it has.
    /// </summary>
    public static async Task<Dictionary<(long ChatId, long UserId), SenderStanding>> FindMembersAsync(DbConnection connection, DbTransaction transaction, SendBatchPlan plan)
    {
        var chats = plan.ChatIds.ToArray();
        var senders = plan.SenderIds.ToArray();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            SELECT m."ChatId", m."UserId", m."MuteAt", m."MuteUntil",
                CASE WHEN c."PairLowUserId" IS NULL THEN 0
                    WHEN (SELECT COUNT(*) FROM "{ChatTables.Members}" AS o WHERE o."ChatId" = c."Id") < 2 THEN 2
                    WHEN EXISTS (SELECT 1 FROM "{ChatTables.Blocks}" AS b WHERE b."UserId" = c."PairLowUserId" AND b."BlockedUserId" = c."PairHighUserId")
                        OR EXISTS (SELECT 1 FROM "{ChatTables.Blocks}" AS b WHERE b."UserId" = c."PairHighUserId" AND b."BlockedUserId" = c."PairLowUserId") THEN 1
                    ELSE 0 END
            FROM "{ChatTables.Members}" AS m JOIN "{ChatTables.Chats}" AS c ON c."Id" = m."ChatId"
            WHERE m."ChatId" IN ({Numbers(chats)}) AND m."UserId" IN ({Numbers(senders)})
            """;
        var members = new Dictionary<(long, long), SenderStanding>();
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            MemberMute? mute = reader.IsDBNull(2)
                ? null
                : new MemberMute(reader.IsDBNull(3) ? null : EntityTime.FromStored(reader.GetFieldValue<DateTime>(3)), 0, EntityTime.FromStored(reader.GetFieldValue<DateTime>(2)));
            members[(reader.GetInt64(0), reader.GetInt64(1))] = new SenderStanding(mute, (PrivateChatClosure)reader.GetInt32(4));
        }

        return members;
    }

    /// <summary>
    /// The stored messages whose (chat, sender, client id) a send of this batch repeats. The keys are
    /// joined as a VALUES list to the unique index, each looked up exactly: a looser filter (chats
    /// IN ... AND client ids IN ...) would scan the chats' whole history on every batch, and OR-ed
    /// conditions cost SQLite's planner far more than the lookups themselves.
    /// </summary>
    public static async Task<Dictionary<(long, long, string), ChatMessage>> FindStoredClientIdsAsync(DbConnection connection, DbTransaction transaction, SendBatchPlan plan, SendDialect dialect)
    {
        var found = new Dictionary<(long, long, string), ChatMessage>();
        foreach (var chunk in plan.ClientIdKeys().Chunk(dialect.RowsPerStatement))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder("SELECT m.\"Id\", m.\"ChatId\", m.\"Sequence\", m.\"SenderId\", m.\"Text\", m.\"SentAt\", m.\"ClientId\", m.\"Seq\", m.\"ReplyToId\", m.\"AttachmentCount\", m.\"Mentions\" FROM (VALUES ");
            for (var i = 0; i < chunk.Length; i++)
            {
                sql.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"({chunk[i].ChatId}, {chunk[i].SenderId}, @k{i})");
                AddParameter(command, $"@k{i}", chunk[i].ClientId);
            }

            sql.Append(CultureInfo.InvariantCulture, $"""
                ) AS v JOIN "{ChatTables.Messages}" AS m
                ON m."ChatId" = v.column1 AND m."SenderId" = v.column2 AND m."ClientId" = v.column3
                """);
            command.CommandText = sql.ToString();
            await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                var message = new MessageEntity
                {
                    Id = reader.GetInt64(0),
                    ChatId = reader.GetInt64(1),
                    Sequence = reader.GetInt64(2),
                    SenderId = reader.GetInt64(3),
                    Text = reader.GetString(4),
                    SentAt = reader.GetFieldValue<DateTime>(5),
                    ClientId = reader.GetString(6),
                    Seq = reader.GetInt64(7),
                    ReplyToId = reader.IsDBNull(8) ? null : reader.GetInt64(8),
                    AttachmentCount = reader.GetInt32(9),
                    Mentions = reader.IsDBNull(10) ? null : reader.GetString(10),
                };
                found[(message.ChatId, message.SenderId, message.ClientId)] = message.ToMessage();
            }
        }

        return found;
    }

    /// <summary>
    /// The pending uploads among those the batch names, with their chat and uploader. Dialects whose
    /// hosts share the database lock them, so two hosts' batches cannot both claim one.
    /// </summary>
    public static async Task<Dictionary<string, (long ChatId, long UploaderId)>?> FindPendingAttachmentsAsync(
        DbConnection connection, DbTransaction transaction, SendBatchPlan plan, SendDialect dialect)
    {
        var ids = plan.AttachmentIds();
        if (ids.Length == 0)
        {
            return null;
        }

        var pending = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var chunk in ids.Chunk(dialect.RowsPerStatement))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var names = new string[chunk.Length];
            for (var i = 0; i < chunk.Length; i++)
            {
                names[i] = $"@a{i}";
                AddParameter(command, names[i], chunk[i]);
            }

            command.CommandText = $"""
                SELECT "Id", "ChatId", "UploaderId" FROM "{ChatTables.Attachments}"
                WHERE "Id" IN ({string.Join(", ", names)}) AND "MessageId" IS NULL{(dialect.LocksChatsInIdOrder ? " FOR UPDATE" : "")}
                """;
            await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                pending[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2));
            }
        }

        return pending;
    }

    /// <summary>Gives the claimed files to their new messages, in one statement per chunk.</summary>
    public static async Task ClaimAttachmentsAsync(DbConnection connection, DbTransaction transaction, SendBatchPlan plan, SendDialect dialect)
    {
        foreach (var chunk in plan.Claims().Chunk(dialect.RowsPerStatement))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var values = new StringBuilder();
            for (var i = 0; i < chunk.Length; i++)
            {
                values.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"(@a{i}, {chunk[i].MessageId}, {chunk[i].Position})");
                AddParameter(command, $"@a{i}", chunk[i].AttachmentId);
            }

            command.CommandText = $"""
                UPDATE "{ChatTables.Attachments}" AS a SET "MessageId" = v.column2, "Position" = v.column3
                FROM (VALUES {values}) AS v WHERE a."Id" = v.column1
                """;
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Raises each chat's last sequence and last change number by its number of sends, in one
    /// statement, and returns the new values (a chat that is gone is missing). The row updates also serialize writers of one
    /// chat across processes until commit, which keeps sequences gapless without blocking other
    /// chats; dialects whose hosts share the database lock the rows in id order first.
    /// </summary>
    public static async Task<Dictionary<long, ReservedNumbers>> ReserveSequencesAsync(DbConnection connection, DbTransaction transaction, IReadOnlyDictionary<long, int> needed, SendDialect dialect)
    {
        var reserved = new Dictionary<long, ReservedNumbers>(needed.Count);
        if (needed.Count == 0)
        {
            return reserved;
        }

        var chats = Numbers(needed.Keys.Order());
        var sql = new StringBuilder();
        if (dialect.LocksChatsInIdOrder)
        {
            sql.Append(CultureInfo.InvariantCulture, $"""SELECT "Id" FROM "{ChatTables.Chats}" WHERE "Id" IN ({chats}) ORDER BY "Id" FOR UPDATE; """);
        }

        var counts = new StringBuilder("CASE \"Id\"");
        foreach (var (chatId, count) in needed)
        {
            counts.Append(CultureInfo.InvariantCulture, $" WHEN {chatId} THEN {count}");
        }

        counts.Append(" END");
        sql.Append(CultureInfo.InvariantCulture, $"""
            UPDATE "{ChatTables.Chats}" SET "LastSequence" = "LastSequence" + {counts}, "Seq" = "Seq" + {counts}
            WHERE "Id" IN ({chats}) RETURNING "Id", "LastSequence", "Seq"
            """);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql.ToString();
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        do
        {
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                if (reader.FieldCount == 3)
                {
                    reserved[reader.GetInt64(0)] = new ReservedNumbers(reader.GetInt64(1), reader.GetInt64(2));
                }
            }
        }
        while (await reader.NextResultAsync().ConfigureAwait(false));

        return reserved;
    }

    /// <summary>Inserts the rows, several per statement, and sets their ids.</summary>
    public static async Task InsertMessagesAsync(DbConnection connection, DbTransaction transaction, IReadOnlyCollection<MessageEntity> messages, SendDialect dialect)
    {
        foreach (var chunk in messages.Chunk(dialect.RowsPerStatement))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            // PostgreSQL indexes the text for search in the same statement (SQLite's FTS table is written after, see SearchIndexSql).
            var indexed = !dialect.IndexesSearchApart;
            var sql = new StringBuilder($"""INSERT INTO "{ChatTables.Messages}" ("ChatId", "Sequence", "Seq", "SenderId", "Text", "SentAt", "ClientId", "ReplyToId", "Deleted", "AttachmentCount", "Mentions"{(indexed ? $", \"{SearchIndexSql.Vector}\"" : "")}) VALUES """);
            for (var row = 0; row < chunk.Length; row++)
            {
                var m = chunk[row];
                // The quoted id was checked by the engine; a number, never user text.
                var replyTo = m.ReplyToId is { } quoted ? quoted.ToString(CultureInfo.InvariantCulture) : "NULL";
                sql.Append(row == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"({m.ChatId}, {m.Sequence}, {m.Seq}, {m.SenderId}, @t{row}, @a{row}, @k{row}, {replyTo}, FALSE, {m.AttachmentCount}, {MentionsLiteral(m.Mentions)}")
                    .Append(indexed ? $", to_tsvector('simple', @s{row}))" : ")");
                AddParameter(command, $"@t{row}", m.Text);
                if (indexed)
                {
                    AddParameter(command, $"@s{row}", SearchIndexSql.IndexedForm(m.SearchText!, sqlite: false));
                }

                AddParameter(command, $"@a{row}", m.SentAt);
                AddParameter(command, $"@k{row}", (object?)m.ClientId ?? DBNull.Value);
            }

            // Row order of RETURNING is not promised, so ids are matched back by (chat, sequence).
            sql.Append(""" RETURNING "Id", "ChatId", "Sequence" """);
            command.CommandText = sql.ToString();
            var byKey = chunk.ToDictionary(m => (m.ChatId, m.Sequence));
            await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                byKey[(reader.GetInt64(1), reader.GetInt64(2))].Id = reader.GetInt64(0);
            }
        }
    }

    /// <summary>
    /// Moves each sender's read position up to their last message of the batch, in one statement.
    /// Only members of chats whose rows this transaction has locked are updated, so the chat locks
    /// already order these writers.
    /// </summary>
    public static async Task AdvanceSenderReadPositionsAsync(DbConnection connection, DbTransaction transaction, IEnumerable<MessageEntity> messages)
    {
        var positions = messages.GroupBy(m => (m.ChatId, m.SenderId))
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"({g.Key.ChatId}, {g.Key.SenderId}, {g.Max(m => m.Sequence)})"))
            .ToList();
        if (positions.Count == 0)
        {
            return;
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            UPDATE "{ChatTables.Members}" AS m SET "LastReadSequence" = v.column3
            FROM (VALUES {string.Join(", ", positions)}) AS v
            WHERE m."ChatId" = v.column1 AND m."UserId" = v.column2 AND m."LastReadSequence" < v.column3
            """;
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// The rows that index who the new messages mention (one per message and member), in one statement
    /// per chunk; none at all for a batch whose messages mention nobody.
    /// </summary>
    public static async Task InsertMentionsAsync(DbConnection connection, DbTransaction transaction, IEnumerable<MessageEntity> messages, SendDialect dialect)
    {
        var rows = messages.Where(m => m.Mentions is not null)
            .SelectMany(m => MentionList.Parse(m.Mentions).Select(user => string.Create(CultureInfo.InvariantCulture, $"({m.Id}, {user}, {m.ChatId}, {m.Sequence})")))
            .ToArray();
        foreach (var chunk in rows.Chunk(dialect.RowsPerStatement))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"""INSERT INTO "{ChatTables.Mentions}" ("MessageId", "UserId", "ChatId", "Sequence") VALUES {string.Join(", ", chunk)}""";
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    // Mentioned ids are numbers the engine found among members, never user text: written as a literal.
    private static string MentionsLiteral(string? mentions) => mentions is null ? "NULL" : $"'{mentions}'";

    /// <summary>Server-made numbers (ids, sequences) written into SQL: never user input.</summary>
    private static string Numbers(IEnumerable<long> values) => string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
