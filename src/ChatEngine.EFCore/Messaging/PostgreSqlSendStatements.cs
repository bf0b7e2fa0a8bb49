using System.Data.Common;
using System.Globalization;
using System.Text;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// The send path's statements on PostgreSQL, each for the whole batch at once: a statement is a round
/// trip, and PostgreSQL binds by position, so large statements with the ids and sequences written in
/// as numbers (server-made, never user input) and only text, times and client ids as parameters.
/// </summary>
internal sealed class PostgreSqlSendStatements(DbConnection connection, DbTransaction transaction) : ISendStatements
{
    private const int RowsPerStatement = 100;

    /// <summary>
    /// Which (chat, sender) pairs among the batch's chats and senders are memberships, with what may
    /// refuse the sender: an admin's mute; in a private chat, the other member gone (erased) or a block
    /// between the pair. One query (the members key is (chat, user), blocks are looked up by their
    /// key, private chats only); the plan looks up only the pairs it has.
    /// </summary>
    public async ValueTask<Dictionary<(long ChatId, long UserId), SenderStanding>> FindMembersAsync(SendBatchPlan plan)
    {
        var chats = plan.ChatIds.ToArray();
        var senders = plan.SenderIds.ToArray();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            SELECT m."ChatId", m."UserId", m."MuteAt", m."MuteUntil", {SendStatements.PrivateChatClosure}
            FROM "{ChatTables.Members}" AS m JOIN "{ChatTables.Chats}" AS c ON c."Id" = m."ChatId"
            WHERE m."ChatId" IN ({SendStatements.Numbers(chats)}) AND m."UserId" IN ({SendStatements.Numbers(senders)})
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
    /// conditions cost a planner far more than the lookups themselves.
    /// </summary>
    public async ValueTask<Dictionary<(long, long, string), ChatMessage>> FindStoredClientIdsAsync(SendBatchPlan plan)
    {
        var found = new Dictionary<(long, long, string), ChatMessage>();
        foreach (var chunk in plan.ClientIdKeys().Chunk(RowsPerStatement))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder("SELECT m.\"Id\", m.\"ChatId\", m.\"Sequence\", m.\"SenderId\", m.\"Text\", m.\"SentAt\", m.\"ClientId\", m.\"Seq\", m.\"ReplyToId\", m.\"AttachmentCount\", m.\"Mentions\" FROM (VALUES ");
            for (var i = 0; i < chunk.Length; i++)
            {
                sql.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"({chunk[i].ChatId}, {chunk[i].SenderId}, @k{i})");
                SendStatements.AddParameter(command, $"@k{i}", chunk[i].ClientId);
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
    /// Locks the batch's chats in id order, then raises their numbers in one statement: hosts share
    /// the database, so writers on several hosts wait for each other at worst and never deadlock (one
    /// UPDATE locks rows in whatever order its plan visits them).
    /// </summary>
    public async ValueTask<Dictionary<long, ReservedNumbers>> ReserveSequencesAsync(IReadOnlyDictionary<long, int> needed)
    {
        var reserved = new Dictionary<long, ReservedNumbers>(needed.Count);
        if (needed.Count == 0)
        {
            return reserved;
        }

        var chats = SendStatements.Numbers(needed.Keys.Order());
        var sql = new StringBuilder();
        sql.Append(CultureInfo.InvariantCulture, $"""SELECT "Id" FROM "{ChatTables.Chats}" WHERE "Id" IN ({chats}) ORDER BY "Id" FOR UPDATE; """);

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

    /// <summary>Inserts the rows, several per statement and indexed for search by the same statement, and sets their ids.</summary>
    public async ValueTask InsertMessagesAsync(IReadOnlyCollection<MessageEntity> messages)
    {
        await InsertRowsAsync(messages).ConfigureAwait(false);
        await AdvanceSenderReadPositionsAsync(messages).ConfigureAwait(false);
        await InsertMentionsAsync(messages).ConfigureAwait(false);
    }

    private async Task InsertRowsAsync(IReadOnlyCollection<MessageEntity> messages)
    {
        foreach (var chunk in messages.Chunk(RowsPerStatement))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder($"""INSERT INTO "{ChatTables.Messages}" ("ChatId", "Sequence", "Seq", "SenderId", "Text", "SentAt", "ClientId", "ReplyToId", "Deleted", "AttachmentCount", "Mentions", "{SearchIndexSql.Vector}") VALUES """);
            for (var row = 0; row < chunk.Length; row++)
            {
                var m = chunk[row];
                // The quoted id was checked by the engine; a number, never user text.
                var replyTo = m.ReplyToId is { } quoted ? quoted.ToString(CultureInfo.InvariantCulture) : "NULL";
                sql.Append(row == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"({m.ChatId}, {m.Sequence}, {m.Seq}, {m.SenderId}, @t{row}, @a{row}, @k{row}, {replyTo}, FALSE, {m.AttachmentCount}, {MentionsLiteral(m.Mentions)}, to_tsvector('simple', @s{row}))");
                SendStatements.AddParameter(command, $"@t{row}", m.Text);
                SendStatements.AddParameter(command, $"@s{row}", SearchIndexSql.IndexedForm(m.SearchText!, sqlite: false));
                SendStatements.AddParameter(command, $"@a{row}", m.SentAt);
                SendStatements.AddParameter(command, $"@k{row}", (object?)m.ClientId ?? DBNull.Value);
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
    private async Task AdvanceSenderReadPositionsAsync(IEnumerable<MessageEntity> messages)
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
    private async Task InsertMentionsAsync(IEnumerable<MessageEntity> messages)
    {
        var rows = messages.Where(m => m.Mentions is not null)
            .SelectMany(m => MentionList.Parse(m.Mentions).Select(user => string.Create(CultureInfo.InvariantCulture, $"({m.Id}, {user}, {m.ChatId}, {m.Sequence})")))
            .ToArray();
        foreach (var chunk in rows.Chunk(RowsPerStatement))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"""INSERT INTO "{ChatTables.Mentions}" ("MessageId", "UserId", "ChatId", "Sequence") VALUES {string.Join(", ", chunk)}""";
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    // Mentioned ids are numbers the engine found among members, never user text: written as a literal.
    private static string MentionsLiteral(string? mentions) => mentions is null ? "NULL" : $"'{mentions}'";
}
