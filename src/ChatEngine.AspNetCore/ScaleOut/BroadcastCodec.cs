using System.Buffers.Binary;

namespace ChatEngine.AspNetCore;

/// <summary>
/// A broadcast on the Redis channel: a small binary header (origin host, kind, chats, sequence,
/// message and user ids) followed by the wire frame's JSON bytes as they are, so no host parses or
/// re-serializes a frame to relay it.
/// </summary>
internal static class BroadcastCodec
{
    private const byte Version = 1;

    public static byte[] Encode(Guid origin, ChatBroadcast broadcast)
    {
        var header = 1 + 16 + 1 + 4 + (8 * broadcast.ChatIds.Length) + 8 + 8 + 1 + 8;
        var bytes = new byte[header + broadcast.Frame.Length];
        var span = bytes.AsSpan();
        span[0] = Version;
        origin.TryWriteBytes(span[1..17]);
        span[17] = (byte)broadcast.Kind;
        BinaryPrimitives.WriteInt32LittleEndian(span[18..], broadcast.ChatIds.Length);
        var offset = 22;
        foreach (var chatId in broadcast.ChatIds)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[offset..], chatId);
            offset += 8;
        }

        BinaryPrimitives.WriteInt64LittleEndian(span[offset..], broadcast.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(span[(offset + 8)..], broadcast.MessageId);
        span[offset + 16] = broadcast.UserId is null ? (byte)0 : (byte)1;
        BinaryPrimitives.WriteInt64LittleEndian(span[(offset + 17)..], broadcast.UserId ?? 0);
        broadcast.Frame.CopyTo(span[header..]);
        return bytes;
    }

    /// <summary>Reads a broadcast; <see langword="false"/> for anything that is not one (another version, say).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out Guid origin, out ChatBroadcast? broadcast)
    {
        origin = Guid.Empty;
        broadcast = null;
        if (bytes.Length < 22 || bytes[0] != Version)
        {
            return false;
        }

        origin = new Guid(bytes[1..17]);
        var kind = (BroadcastKind)bytes[17];
        var chatCount = BinaryPrimitives.ReadInt32LittleEndian(bytes[18..]);
        if (chatCount < 0 || bytes.Length < 22 + (8L * chatCount) + 25 || !Enum.IsDefined(kind))
        {
            return false;
        }

        var chatIds = new long[chatCount];
        var offset = 22;
        for (var i = 0; i < chatCount; i++, offset += 8)
        {
            chatIds[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[offset..]);
        }

        var sequence = BinaryPrimitives.ReadInt64LittleEndian(bytes[offset..]);
        var messageId = BinaryPrimitives.ReadInt64LittleEndian(bytes[(offset + 8)..]);
        long? userId = bytes[offset + 16] == 1 ? BinaryPrimitives.ReadInt64LittleEndian(bytes[(offset + 17)..]) : null;
        broadcast = new ChatBroadcast(kind, chatIds, bytes[(offset + 25)..].ToArray(), sequence, messageId, userId);
        return true;
    }
}
