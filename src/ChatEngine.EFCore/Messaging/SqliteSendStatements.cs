using System.Globalization;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// The send path's statements on SQLite, prepared once for the write loop's session (its connection,
/// kept open) and run once per row with their values bound by position. Statements written out for
/// each batch cost the write loop a parse of every statement on every batch and a search by name for
/// every bound value: a fifth of its time at 2,000 messages a second (profiled), when batches are
/// small. A prepared one-row statement costs SQLite about as much per row as a many-row one. They run
/// in whatever transaction the connection has open: SQLite has one per connection.
/// </summary>
internal sealed class SqliteSendStatements : ISendStatements, IDisposable
{
    // As Microsoft.Data.Sqlite binds a DateTime, and EF Core reads one back.
    private const string DateTimeFormat = @"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF";

    private readonly sqlite3 _connection;
    private readonly List<Statement> _prepared = [];
    private readonly Statement _member;
    private readonly Statement _storedClientId;
    private readonly Statement _reserve;
    private readonly Statement _insert;
    private readonly Statement _index;
    private readonly Statement _mention;
    private readonly Statement _advanceRead;
    private readonly Statement _markRead;
    private readonly Statement _logReadMark;

    /// <summary>
    /// Applies the write loop's settings to the connection (they last as long as it does) and prepares
    /// the statements. Outside any transaction: temporary storage cannot change inside one.
    /// A multi-statement transaction copies every page a statement touches to a statement journal,
    /// which spills to a temporary file past 64 KiB unless temporary storage is in memory. And this
    /// connection never checkpoints inside one of its commits: <see cref="SqliteCheckpoints{TContext}"/>
    /// copies the write-ahead log into the database beside the loop. Neither changes durability: every
    /// commit is still synced to the WAL before it is answered. A log that once grew long (a long read
    /// holds back its start over) is cut back to twice <paramref name="logRestartPages"/> when it
    /// starts over, rather than keeping its largest size for good.
    /// </summary>
    public SqliteSendStatements(sqlite3 connection, int logRestartPages)
    {
        _connection = connection;
        Check(raw.sqlite3_exec(connection, "PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 0; PRAGMA busy_timeout = 5000;"));
        try
        {
            using (var pageSize = Prepare("PRAGMA page_size").Run())
            {
                pageSize.Read();
                var limit = 2L * logRestartPages * pageSize.Int64(0);
                Check(raw.sqlite3_exec(connection, $"PRAGMA journal_size_limit = {limit.ToString(CultureInfo.InvariantCulture)};"));
            }

            _member = Prepare($"""
                SELECT m."MuteAt", m."MuteUntil", {SendStatements.PrivateChatClosure}
                FROM "{ChatTables.Members}" AS m JOIN "{ChatTables.Chats}" AS c ON c."Id" = m."ChatId"
                WHERE m."ChatId" = ?1 AND m."UserId" = ?2
                """);
            _storedClientId = Prepare($"""
                SELECT "Id", "Sequence", "Text", "SentAt", "Seq", "ReplyToId", "AttachmentCount", "Mentions" FROM "{ChatTables.Messages}"
                WHERE "ChatId" = ?1 AND "SenderId" = ?2 AND "ClientId" = ?3
                """);
            _reserve = Prepare($"""
                UPDATE "{ChatTables.Chats}" SET "LastSequence" = "LastSequence" + ?2, "Seq" = "Seq" + ?2
                WHERE "Id" = ?1 RETURNING "LastSequence", "Seq"
                """);
            _insert = Prepare($"""
                INSERT INTO "{ChatTables.Messages}" ("ChatId", "Sequence", "Seq", "SenderId", "Text", "SentAt", "ClientId", "ReplyToId", "Deleted", "AttachmentCount", "Mentions")
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10)
                """);
            _index = Prepare($"""INSERT INTO "{SearchIndexSql.Fts}" (rowid, "Text") VALUES (?1, ?2)""");
            _mention = Prepare($"""INSERT INTO "{ChatTables.Mentions}" ("MessageId", "UserId", "ChatId", "Sequence") VALUES (?1, ?2, ?3, ?4)""");
            _advanceRead = Prepare($"""
                UPDATE "{ChatTables.Members}" SET "LastReadSequence" = ?3
                WHERE "ChatId" = ?1 AND "UserId" = ?2 AND "LastReadSequence" < ?3
                """);
            _markRead = Prepare($"""
                UPDATE "{ChatTables.Members}" SET "LastMarkedSequence" = ?3, "LastReadSequence" = MAX("LastReadSequence", ?3)
                WHERE "ChatId" = ?1 AND "UserId" = ?2 AND "LastMarkedSequence" < ?3
                """);
            _logReadMark = Prepare($"""INSERT INTO "{ChatTables.ReadMarks}" ("ChatId", "UserId", "UpToSequence", "ReadAt") VALUES (?1, ?2, ?3, ?4)""");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The write loop's connection, which these statements run on.</summary>
    public sqlite3 Connection => _connection;

    public (Dictionary<(long ChatId, long UserId), SenderStanding> Members, Dictionary<(long, long, string), ChatMessage> Repeated) FindStanding(SendBatchPlan plan) =>
        (FindMembers(plan), FindStoredClientIds(plan));

    private Dictionary<(long ChatId, long UserId), SenderStanding> FindMembers(SendBatchPlan plan)
    {
        var members = new Dictionary<(long, long), SenderStanding>();
        foreach (var (chatId, senderId) in plan.MemberKeys())
        {
            using var row = _member.Bind(1, chatId).Bind(2, senderId).Run();
            if (row.Read())
            {
                MemberMute? mute = row.IsNull(0) ? null : new MemberMute(row.IsNull(1) ? null : row.Time(1), 0, row.Time(0));
                members[(chatId, senderId)] = new SenderStanding(mute, (PrivateChatClosure)row.Int64(2));
            }
        }

        return members;
    }

    private Dictionary<(long, long, string), ChatMessage> FindStoredClientIds(SendBatchPlan plan)
    {
        var found = new Dictionary<(long, long, string), ChatMessage>();
        foreach (var (chatId, senderId, clientId) in plan.ClientIdKeys())
        {
            using var row = _storedClientId.Bind(1, chatId).Bind(2, senderId).Bind(3, clientId).Run();
            if (row.Read())
            {
                found[(chatId, senderId, clientId)] = new MessageEntity
                {
                    Id = row.Int64(0),
                    ChatId = chatId,
                    Sequence = row.Int64(1),
                    SenderId = senderId,
                    Text = row.Text(2)!,
                    SentAt = row.StoredTime(3),
                    ClientId = clientId,
                    Seq = row.Int64(4),
                    ReplyToId = row.IsNull(5) ? null : row.Int64(5),
                    AttachmentCount = (int)row.Int64(6),
                    Mentions = row.Text(7),
                }.ToMessage();
            }
        }

        return found;
    }

    public Dictionary<long, ReservedNumbers> ReserveSequences(IReadOnlyDictionary<long, int> needed)
    {
        var reserved = new Dictionary<long, ReservedNumbers>(needed.Count);
        foreach (var (chatId, count) in needed)
        {
            using var row = _reserve.Bind(1, chatId).Bind(2, count).Run();
            if (row.Read())
            {
                reserved[chatId] = new ReservedNumbers(row.Int64(0), row.Int64(1));
            }
        }

        return reserved;
    }

    public void InsertMessages(IReadOnlyCollection<MessageEntity> messages)
    {
        foreach (var m in messages)
        {
            _insert.Bind(1, m.ChatId).Bind(2, m.Sequence).Bind(3, m.Seq).Bind(4, m.SenderId).Bind(5, m.Text)
                .Bind(6, m.SentAt.ToString(DateTimeFormat, CultureInfo.InvariantCulture)).Bind(7, m.ClientId).Bind(8, m.ReplyToId)
                .Bind(9, m.AttachmentCount).Bind(10, m.Mentions).Execute();
            m.Id = raw.sqlite3_last_insert_rowid(_connection);
            _index.Bind(1, m.Id).Bind(2, m.SearchText).Execute();
            foreach (var user in MentionList.Parse(m.Mentions))
            {
                _mention.Bind(1, m.Id).Bind(2, user).Bind(3, m.ChatId).Bind(4, m.Sequence).Execute();
            }
        }

        // A sender has read their own messages: once per sender and chat, up to their last (a loop and
        // one dictionary rather than LINQ's groups, since every batch comes here).
        var lastBySender = new Dictionary<(long ChatId, long SenderId), long>();
        foreach (var m in messages)
        {
            lastBySender[(m.ChatId, m.SenderId)] = Math.Max(m.Sequence, lastBySender.GetValueOrDefault((m.ChatId, m.SenderId)));
        }

        foreach (var ((chatId, senderId), sequence) in lastBySender)
        {
            _advanceRead.Bind(1, chatId).Bind(2, senderId).Bind(3, sequence).Execute();
        }
    }

    public bool[] MarkRead(IReadOnlyList<PendingReadMark> marks)
    {
        var moved = new bool[marks.Count];
        for (var i = 0; i < marks.Count; i++)
        {
            var mark = marks[i];
            _markRead.Bind(1, mark.ChatId).Bind(2, mark.UserId).Bind(3, mark.UpToSequence).Execute();
            moved[i] = raw.sqlite3_changes(_connection) > 0;
            if (moved[i])
            {
                _logReadMark.Bind(1, mark.ChatId).Bind(2, mark.UserId).Bind(3, mark.UpToSequence)
                    .Bind(4, EntityTime.ToStored(mark.ReadAt).ToString(DateTimeFormat, CultureInfo.InvariantCulture)).Execute();
            }
        }

        return moved;
    }

    public void Dispose() => _prepared.ForEach(s => s.Dispose());

    private Statement Prepare(string sql)
    {
        Check(raw.sqlite3_prepare_v3(_connection, sql, raw.SQLITE_PREPARE_PERSISTENT, out var statement, out _));
        var prepared = new Statement(_connection, statement);
        _prepared.Add(prepared);
        return prepared;
    }

    private void Check(int rc) => SqliteException.ThrowExceptionForRC(rc, _connection);

    /// <summary>One prepared statement: its values are bound by position, then it runs.</summary>
    private sealed class Statement(sqlite3 connection, sqlite3_stmt statement) : IDisposable
    {
        public Statement Bind(int position, long value) => Checked(raw.sqlite3_bind_int64(statement, position, value));

        public Statement Bind(int position, long? value) => value is { } number ? Bind(position, number) : Checked(raw.sqlite3_bind_null(statement, position));

        public Statement Bind(int position, string? value) => Checked(value is null ? raw.sqlite3_bind_null(statement, position) : raw.sqlite3_bind_text(statement, position, value));

        /// <summary>Runs the statement; its rows are read from what this returns, which resets it when disposed.</summary>
        public Rows Run() => new(connection, statement);

        /// <summary>Runs a statement that returns no rows.</summary>
        public void Execute()
        {
            using var rows = Run();
            rows.Read();
        }

        public void Dispose() => statement.Dispose();

        private Statement Checked(int rc)
        {
            if (rc != raw.SQLITE_OK)
            {
                SqliteException.ThrowExceptionForRC(rc, connection);
            }

            return this;
        }
    }

    /// <summary>The rows of one run, read in order; disposing resets the statement for the next run.</summary>
    private readonly struct Rows(sqlite3 connection, sqlite3_stmt statement) : IDisposable
    {
        public bool Read()
        {
            var rc = raw.sqlite3_step(statement);
            if (rc == raw.SQLITE_ROW)
            {
                return true;
            }

            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, connection);
            }

            return false;
        }

        public bool IsNull(int column) => raw.sqlite3_column_type(statement, column) == raw.SQLITE_NULL;

        public long Int64(int column) => raw.sqlite3_column_int64(statement, column);

        public string? Text(int column) => IsNull(column) ? null : raw.sqlite3_column_text(statement, column).utf8_to_string();

        /// <summary>A time as EF Core stored it (UTC, as text).</summary>
        public DateTime StoredTime(int column) => DateTime.Parse(Text(column)!, CultureInfo.InvariantCulture);

        public DateTimeOffset Time(int column) => EntityTime.FromStored(StoredTime(column));

        // Every run ends here: a statement left unreset would keep its read of the database open.
        public void Dispose() => raw.sqlite3_reset(statement);
    }
}
