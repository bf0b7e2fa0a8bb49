using System.Data.Common;
using System.Globalization;
using System.Text;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// The statements of a group-commit batch that every database runs alike, each for the whole batch at
/// once: the files its sends attach (most batches attach none and ask nothing); and the rule both
/// dialects' member queries share.
/// </summary>
internal static class SendStatements
{
    /// <summary>
    /// What closed a private chat <c>c</c> to its members, as a <see cref="EntityFrameworkCore.PrivateChatClosure"/>
    /// value: the other member gone (erased), or a block either way between the pair (blocks are looked
    /// up by their key); 0 for a group. The rule of both dialects' member queries.
    /// </summary>
    public const string PrivateChatClosure = $"""
        CASE WHEN c."PairLowUserId" IS NULL THEN 0
            WHEN (SELECT COUNT(*) FROM "{ChatTables.Members}" AS o WHERE o."ChatId" = c."Id") < 2 THEN 2
            WHEN EXISTS (SELECT 1 FROM "{ChatTables.Blocks}" AS b WHERE b."UserId" = c."PairLowUserId" AND b."BlockedUserId" = c."PairHighUserId")
                OR EXISTS (SELECT 1 FROM "{ChatTables.Blocks}" AS b WHERE b."UserId" = c."PairHighUserId" AND b."BlockedUserId" = c."PairLowUserId") THEN 1
            ELSE 0 END
        """;

    /// <summary>
    /// The pending uploads among those the batch names, with their chat and uploader. Dialects whose
    /// hosts share the database lock them, so two hosts' batches cannot both claim one.
    /// </summary>
    public static Dictionary<string, (long ChatId, long UploaderId)>? FindPendingAttachments(
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
            using var command = connection.CreateCommand();
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
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                pending[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2));
            }
        }

        return pending;
    }

    /// <summary>Gives the claimed files to their new messages, in one statement per chunk.</summary>
    public static void ClaimAttachments(DbConnection connection, DbTransaction transaction, SendBatchPlan plan, SendDialect dialect)
    {
        if (!plan.NamesFiles)
        {
            return;
        }

        foreach (var chunk in plan.Claims().Chunk(dialect.RowsPerStatement))
        {
            using var command = connection.CreateCommand();
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
            command.ExecuteNonQuery();
        }
    }

    public static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
