using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Turns a <see cref="SyncPosition"/> into the opaque, URL-safe cursor of <c>/sync/</c> and back. The
/// positions are packed as variable-length numbers (a few bytes per chat, ids as differences) and
/// protected with the Data Protection key ring, which every host of an app shares: so a cursor works
/// on any host and after a restart, and cannot be forged or altered.
/// </summary>
internal sealed class SyncCursors(IDataProtectionProvider dataProtection)
{
    // The format's version is in the prefix: a cursor of an older one is unusable (the client reloads), not malformed.
    private const string Prefix = "c2.";
    private const string OlderPrefix = "c1.";

    private readonly IDataProtector _protector = dataProtection.CreateProtector("ChatEngine.SyncCursor.v2");

    public string Encode(SyncPosition position)
    {
        var writer = new ArrayBufferWriter<byte>(16 + (position.Chats.Count * 6));
        Write(writer, (ulong)position.UserId);
        Write(writer, (ulong)position.IssuedAt.ToUnixTimeMilliseconds());
        Write(writer, (ulong)position.Chats.Count);
        var previous = 0L;
        foreach (var (chatId, chat) in position.Chats.OrderBy(c => c.Key))
        {
            Write(writer, (ulong)(chatId - previous));
            Write(writer, (ulong)chat.Seq);
            Write(writer, ((ulong)chat.Unread << 1) | (chat.Kind == ChatKind.Group ? 1UL : 0UL));
            previous = chatId;
        }

        return Prefix + Base64Url.EncodeToString(_protector.Protect(writer.WrittenSpan.ToArray()));
    }

    /// <summary>
    /// Reads a cursor: the position, or <see langword="null"/> for one of an older format (usable by
    /// nobody, so the client reloads). A malformed or altered cursor is <see cref="ChatErrorCodes.InvalidCursor"/>.
    /// </summary>
    public SyncPosition? Decode(string cursor)
    {
        if (cursor.StartsWith(OlderPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            if (!cursor.StartsWith(Prefix, StringComparison.Ordinal))
            {
                throw Invalid();
            }

            var bytes = _protector.Unprotect(Base64Url.DecodeFromChars(cursor.AsSpan(Prefix.Length)));
            var reader = new ReadOnlySpan<byte>(bytes);
            var userId = (long)Read(ref reader);
            var issuedAt = DateTimeOffset.FromUnixTimeMilliseconds((long)Read(ref reader));
            var count = (int)Read(ref reader);
            var chats = new Dictionary<long, SyncChatPosition>(Math.Min(count, 100_000));
            var chatId = 0L;
            for (var i = 0; i < count; i++)
            {
                chatId += (long)Read(ref reader);
                var seq = (long)Read(ref reader);
                var unreadAndKind = Read(ref reader);
                chats[chatId] = new SyncChatPosition(seq, (long)(unreadAndKind >> 1), (unreadAndKind & 1) == 1 ? ChatKind.Group : ChatKind.Private);
            }

            return new SyncPosition(userId, issuedAt, chats);
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException or ArgumentOutOfRangeException or OverflowException)
        {
            throw Invalid();
        }
    }

    private static ChatException Invalid() =>
        new(ChatErrorKind.Validation, ChatErrorCodes.InvalidCursor, "The cursor is malformed or was altered; sync without one to start afresh.");

    private static void Write(ArrayBufferWriter<byte> writer, ulong value)
    {
        var span = writer.GetSpan(10);
        var length = 0;
        while (value >= 0x80)
        {
            span[length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[length++] = (byte)value;
        writer.Advance(length);
    }

    private static ulong Read(ref ReadOnlySpan<byte> reader)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (reader.IsEmpty)
            {
                throw new FormatException("The cursor ends early.");
            }

            var next = reader[0];
            reader = reader[1..];
            value |= (ulong)(next & 0x7F) << shift;
            if (next < 0x80)
            {
                return value;
            }
        }

        throw new FormatException("A number in the cursor is too long.");
    }
}
