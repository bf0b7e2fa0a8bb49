using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// The send path's statements on PostgreSQL, each for the whole batch at once, sent together in three
/// round trips with the commit (a round trip costs about as much as a statement): lock the chats and
/// read the senders' standing; store the numbers, the rows and the read positions; commit (a batch's
/// read marks take one statement more, in a round trip of their own before the commit). Each takes
/// the batch as arrays (<c>unnest</c>), so its text is short and the same for every batch. Statements written out per batch, with their rows as a VALUES list of literals and
/// parameters, cost PostgreSQL a parse and a plan of their whole text every time: a third of its time
/// per message (pg_stat_statements, load test). They are not prepared: a plan made once, while a
/// table was still small, kept scanning it whole long after it had grown.
/// </summary>
/// <param name="connection">The write loop's connection.</param>
/// <param name="transaction">The batch's transaction.</param>
/// <param name="markedChats">
/// The chats of the batch's read marks, locked with the sends' chats in one statement in id order:
/// every member row the write loops change then changes under its chat's lock, taken in that order,
/// so the loops of several hosts never deadlock on each other's rows.
/// </param>
internal sealed class PostgreSqlSendStatements(DbConnection connection, DbTransaction transaction, IReadOnlyCollection<long> markedChats) : ISendStatements
{
    internal static readonly string MembersSql = $"""
        SELECT m."ChatId", m."UserId", m."MuteAt", m."MuteUntil", {SendStatements.PrivateChatClosure}
        FROM "{ChatTables.Members}" AS m JOIN "{ChatTables.Chats}" AS c ON c."Id" = m."ChatId"
        WHERE m."ChatId" = ANY(@chats) AND m."UserId" = ANY(@senders)
        """;

    // Each key is looked up exactly in the unique index: a looser filter (chats and client ids each
    // in a list) would scan the chats' whole history on every batch. As a plain join, the planner may
    // hash every message instead, and did while a young database's statistics lagged its growth (118
    // ms a batch at 66,000 rows, against 3): LIMIT 1, a no-op on a unique key, keeps the lookup per key.
    internal static readonly string StoredClientIdsSql = $"""
        SELECT m."Id", m."ChatId", m."Sequence", m."SenderId", m."Text", m."SentAt", m."ClientId", m."Seq", m."ReplyToId", m."AttachmentCount", m."Mentions"
        FROM unnest(@chats, @senders, @clientIds) AS v(chat, sender, client)
        CROSS JOIN LATERAL (
            SELECT * FROM "{ChatTables.Messages}" AS s
            WHERE s."ChatId" = v.chat AND s."SenderId" = v.sender AND s."ClientId" = v.client
            LIMIT 1) AS m
        """;

    // Locked in id order: hosts share the database, so writers on several hosts wait for each other at
    // worst and never deadlock (one UPDATE locks rows in whatever order its plan visits them).
    internal static readonly string LockChatsSql = $"""
        SELECT "Id", "LastSequence", "Seq" FROM "{ChatTables.Chats}" WHERE "Id" = ANY(@chats) ORDER BY "Id" FOR UPDATE
        """;

    internal static readonly string RaiseNumbersSql = $"""
        UPDATE "{ChatTables.Chats}" AS c SET "LastSequence" = v.last_sequence, "Seq" = v.seq
        FROM unnest(@chats, @lastSequences, @seqs) AS v(chat, last_sequence, seq) WHERE c."Id" = v.chat
        """;

    // The rows that index who the new messages mention go in by the same statement: they need the ids
    // the insert makes, and a statement of their own would be a round trip.
    private static readonly string InsertSql = $"""
        WITH inserted AS (
            INSERT INTO "{ChatTables.Messages}" ("ChatId", "Sequence", "Seq", "SenderId", "Text", "SentAt", "ClientId", "ReplyToId", "Deleted", "AttachmentCount", "Mentions", "{SearchIndexSql.Vector}")
            SELECT v.chat, v.sequence, v.seq, v.sender, v.text, v.sent_at, v.client, v.reply_to, FALSE, v.attachments, v.mentions, to_tsvector('simple', v.search)
            FROM unnest(@chats, @sequences, @seqs, @senders, @texts, @sentAt, @clientIds, @replyTo, @attachments, @mentions, @search)
                AS v(chat, sequence, seq, sender, text, sent_at, client, reply_to, attachments, mentions, search)
            RETURNING "Id", "ChatId", "Sequence"),
        mentioned AS (
            INSERT INTO "{ChatTables.Mentions}" ("MessageId", "UserId", "ChatId", "Sequence")
            SELECT i."Id", v.member, v.chat, v.sequence
            FROM unnest(@mentionChats, @mentionSequences, @mentionUsers) AS v(chat, sequence, member)
            JOIN inserted AS i ON i."ChatId" = v.chat AND i."Sequence" = v.sequence)
        SELECT "Id", "ChatId", "Sequence" FROM inserted
        """;

    // Only members of chats whose rows this transaction has locked: the chat locks order these writers.
    internal static readonly string AdvanceReadSql = $"""
        UPDATE "{ChatTables.Members}" AS m SET "LastReadSequence" = v.sequence
        FROM unnest(@chats, @users, @sequences) AS v(chat, member, sequence)
        WHERE m."ChatId" = v.chat AND m."UserId" = v.member AND m."LastReadSequence" < v.sequence
        """;

    // The batch's marks in one statement, in their order (ordinality). A mark moves if it is beyond both
    // its member's last mark and the batch's earlier marks of that member; the row then takes the
    // highest, and each mark that moved is logged and returned. The rows are read in this statement's
    // snapshot, which is current: every writer of a member's read position holds its chat's row lock
    // (ChatRowLock), which this transaction took before.
    internal static readonly string MarkReadSql = $"""
        WITH marks AS (
            SELECT v.ord, v.chat, v.member, v.up_to, v.read_at,
                MAX(v.up_to) OVER (PARTITION BY v.chat, v.member ORDER BY v.ord ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier
            FROM unnest(@chats, @users, @upTo, @readAt) WITH ORDINALITY AS v(chat, member, up_to, read_at, ord)),
        moved AS (
            SELECT k.ord, k.chat, k.member, k.up_to, k.read_at
            FROM marks AS k JOIN "{ChatTables.Members}" AS m ON m."ChatId" = k.chat AND m."UserId" = k.member
            WHERE k.up_to > m."LastMarkedSequence" AND k.up_to > COALESCE(k.earlier, 0)),
        raised AS (
            UPDATE "{ChatTables.Members}" AS m SET "LastMarkedSequence" = t.up_to, "LastReadSequence" = GREATEST(m."LastReadSequence", t.up_to)
            FROM (SELECT chat, member, MAX(up_to) AS up_to FROM moved GROUP BY chat, member) AS t
            WHERE m."ChatId" = t.chat AND m."UserId" = t.member AND m."LastMarkedSequence" < t.up_to),
        logged AS (
            INSERT INTO "{ChatTables.ReadMarks}" ("ChatId", "UserId", "UpToSequence", "ReadAt")
            SELECT chat, member, up_to, read_at FROM moved)
        SELECT ord FROM moved
        """;

    private readonly NpgsqlConnection _connection = (NpgsqlConnection)connection;
    private readonly NpgsqlTransaction _transaction = (NpgsqlTransaction)transaction;

    // The numbers of the batch's chats as locked, then those reserved, which the insert's round trip stores.
    private Dictionary<long, ReservedNumbers>? _locked;
    private Dictionary<long, ReservedNumbers>? _reserved;

    /// <summary>
    /// Locks the batch's chats and reads their numbers; then which (chat, sender) pairs among the
    /// batch's chats and senders are memberships (the plan looks up only the pairs it has), and which
    /// sends repeat a stored message's client id: all in one round trip. Membership is read after the
    /// lock, so a change to the chat that commits meanwhile is seen.
    /// </summary>
    public (Dictionary<(long ChatId, long UserId), SenderStanding> Members, Dictionary<(long, long, string), ChatMessage> Repeated) FindStanding(SendBatchPlan plan)
    {
        var keys = plan.ClientIdKeys().ToArray();
        var chats = plan.ChatIds.Union(markedChats).Order().ToArray();
        using var batch = new NpgsqlBatch(_connection, _transaction)
        {
            BatchCommands =
            {
                BatchCommand(LockChatsSql, ("chats", chats)),
                BatchCommand(MembersSql, ("chats", chats), ("senders", plan.SenderIds.ToArray())),
            },
        };
        if (keys.Length > 0)
        {
            batch.BatchCommands.Add(BatchCommand(
                StoredClientIdsSql,
                ("chats", keys.Select(k => k.ChatId).ToArray()),
                ("senders", keys.Select(k => k.SenderId).ToArray()),
                ("clientIds", keys.Select(k => k.ClientId).ToArray())));
        }

        using var reader = batch.ExecuteReader();
        _locked = ReadNumbers(reader);
        reader.NextResult();
        var members = ReadMembers(reader);
        var repeated = new Dictionary<(long, long, string), ChatMessage>();
        if (reader.NextResult())
        {
            ReadRepeated(reader, repeated);
        }

        return (members, repeated);
    }

    private static Dictionary<long, ReservedNumbers> ReadNumbers(NpgsqlDataReader reader)
    {
        var numbers = new Dictionary<long, ReservedNumbers>();
        while (reader.Read())
        {
            numbers[reader.GetInt64(0)] = new ReservedNumbers(reader.GetInt64(1), reader.GetInt64(2));
        }

        return numbers;
    }

    private static Dictionary<(long, long), SenderStanding> ReadMembers(NpgsqlDataReader reader)
    {
        var members = new Dictionary<(long, long), SenderStanding>();
        while (reader.Read())
        {
            MemberMute? mute = reader.IsDBNull(2)
                ? null
                : new MemberMute(reader.IsDBNull(3) ? null : EntityTime.FromStored(reader.GetFieldValue<DateTime>(3)), 0, EntityTime.FromStored(reader.GetFieldValue<DateTime>(2)));
            members[(reader.GetInt64(0), reader.GetInt64(1))] = new SenderStanding(mute, (PrivateChatClosure)reader.GetInt32(4));
        }

        return members;
    }

    private static void ReadRepeated(NpgsqlDataReader reader, Dictionary<(long, long, string), ChatMessage> found)
    {
        while (reader.Read())
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

    /// <summary>
    /// Counts each chat's numbers on from those <see cref="FindStanding"/> read under the chat's lock;
    /// the chats' rows are raised by the insert's round trip. No round trip of its own.
    /// </summary>
    public Dictionary<long, ReservedNumbers> ReserveSequences(IReadOnlyDictionary<long, int> needed)
    {
        var locked = _locked ?? throw new InvalidOperationException("A batch finds its senders' standing, which locks its chats, before it reserves numbers.");
        var reserved = new Dictionary<long, ReservedNumbers>(needed.Count);
        foreach (var (chatId, count) in needed)
        {
            if (locked.TryGetValue(chatId, out var current))
            {
                reserved[chatId] = new ReservedNumbers(current.LastSequence + count, current.LastSeq + count);
            }
        }

        _reserved = reserved;
        return reserved;
    }

    /// <summary>
    /// Stores the chats' reserved numbers; inserts the rows, indexed for search and for whom they
    /// mention by the same statement, and sets their ids; moves each sender's read position up to their
    /// last message of the batch. All in one round trip.
    /// </summary>
    public void InsertMessages(IReadOnlyCollection<MessageEntity> messages)
    {
        if (messages.Count == 0)
        {
            return;
        }

        var reserved = _reserved?.OrderBy(r => r.Key).ToArray()
            ?? throw new InvalidOperationException("A batch reserves its numbers before it inserts its rows.");
        var rows = messages.ToArray();
        var positions = rows.GroupBy(m => (m.ChatId, m.SenderId), m => m.Sequence).ToArray();
        var mentions = rows.Where(m => m.Mentions is not null)
            .SelectMany(m => MentionList.Parse(m.Mentions).Select(user => (Message: m, User: user)))
            .ToArray();
        using var batch = new NpgsqlBatch(_connection, _transaction)
        {
            BatchCommands =
            {
                BatchCommand(
                    RaiseNumbersSql,
                    ("chats", Array.ConvertAll(reserved, r => r.Key)),
                    ("lastSequences", Array.ConvertAll(reserved, r => r.Value.LastSequence)),
                    ("seqs", Array.ConvertAll(reserved, r => r.Value.LastSeq))),
                BatchCommand(
                    InsertSql,
                    ("chats", Array.ConvertAll(rows, m => m.ChatId)),
                    ("sequences", Array.ConvertAll(rows, m => m.Sequence)),
                    ("seqs", Array.ConvertAll(rows, m => m.Seq)),
                    ("senders", Array.ConvertAll(rows, m => m.SenderId)),
                    ("texts", Array.ConvertAll(rows, m => m.Text)),
                    ("sentAt", Array.ConvertAll(rows, m => m.SentAt)),
                    ("clientIds", Array.ConvertAll(rows, m => m.ClientId)),
                    ("replyTo", Array.ConvertAll(rows, m => m.ReplyToId)),
                    ("attachments", Array.ConvertAll(rows, m => m.AttachmentCount)),
                    ("mentions", Array.ConvertAll(rows, m => m.Mentions)),
                    ("search", Array.ConvertAll(rows, m => SearchIndexSql.IndexedForm(m.SearchText!, sqlite: false))),
                    ("mentionChats", Array.ConvertAll(mentions, r => r.Message.ChatId)),
                    ("mentionSequences", Array.ConvertAll(mentions, r => r.Message.Sequence)),
                    ("mentionUsers", Array.ConvertAll(mentions, r => r.User))),
                BatchCommand(
                    AdvanceReadSql,
                    ("chats", Array.ConvertAll(positions, p => p.Key.ChatId)),
                    ("users", Array.ConvertAll(positions, p => p.Key.SenderId)),
                    ("sequences", Array.ConvertAll(positions, p => p.Max()))),
            },
        };

        // Row order of RETURNING is not promised, so ids are matched back by (chat, sequence).
        var byKey = rows.ToDictionary(m => (m.ChatId, m.Sequence));
        using var reader = batch.ExecuteReader();
        do
        {
            // The updates return no rows; they are read past so that their errors, if any, are thrown here.
            while (reader.Read())
            {
                byKey[(reader.GetInt64(1), reader.GetInt64(2))].Id = reader.GetInt64(0);
            }
        }
        while (reader.NextResult());
    }

    /// <summary>
    /// Moves the marks' read positions by one statement for them all (<see cref="MarkReadSql"/>), in one
    /// round trip; in a batch of marks alone, it first locks their chats (see the class's <c>markedChats</c>).
    /// </summary>
    public bool[] MarkRead(IReadOnlyList<PendingReadMark> marks)
    {
        if (marks.Count == 0)
        {
            return [];
        }

        var all = marks as PendingReadMark[] ?? [.. marks];
        var marksAlone = _locked is null;
        using var batch = new NpgsqlBatch(_connection, _transaction);
        if (marksAlone)
        {
            batch.BatchCommands.Add(BatchCommand(LockChatsSql, ("chats", markedChats.Order().ToArray())));
        }

        batch.BatchCommands.Add(BatchCommand(
            MarkReadSql,
            ("chats", Array.ConvertAll(all, m => m.ChatId)),
            ("users", Array.ConvertAll(all, m => m.UserId)),
            ("upTo", Array.ConvertAll(all, m => m.UpToSequence)),
            ("readAt", Array.ConvertAll(all, m => EntityTime.ToStored(m.ReadAt)))));

        var moved = new bool[all.Length];
        using var reader = batch.ExecuteReader();
        if (marksAlone)
        {
            reader.NextResult(); // Past the locked chats' numbers, which marks do not use.
        }

        while (reader.Read())
        {
            moved[reader.GetInt64(0) - 1] = true; // Ordinality counts from 1.
        }

        return moved;
    }

    /// <summary>One statement of an <see cref="NpgsqlBatch"/> (which carries the transaction), taking the batch as arrays.</summary>
    private static NpgsqlBatchCommand BatchCommand(string sql, params ReadOnlySpan<(string Name, Array Values)> arrays)
    {
        var command = new NpgsqlBatchCommand(sql);
        AddArrays(command.Parameters, arrays);
        return command;
    }

    private static void AddArrays(NpgsqlParameterCollection parameters, ReadOnlySpan<(string Name, Array Values)> arrays)
    {
        foreach (var (name, values) in arrays)
        {
            parameters.Add(Parameter(name, values));
        }
    }

    /// <summary>An array parameter typed explicitly: a DateTime could be either of PostgreSQL's timestamp types.</summary>
    private static NpgsqlParameter Parameter(string name, Array values) => new(name, ArrayOf(values.GetType().GetElementType()!)) { Value = values };

    private static NpgsqlDbType ArrayOf(Type element) => NpgsqlDbType.Array | (element == typeof(long) || element == typeof(long?) ? NpgsqlDbType.Bigint
        : element == typeof(int) ? NpgsqlDbType.Integer
        : element == typeof(DateTime) ? NpgsqlDbType.TimestampTz
        : element == typeof(string) ? NpgsqlDbType.Text
        : throw new ArgumentException($"No PostgreSQL array type for {element}.", nameof(element)));
}
