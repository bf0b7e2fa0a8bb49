using System.Buffers.Binary;
using System.Text;

using ChatEngine.AspNetCore;

namespace ChatEngine.Redis;

/// <summary>
/// A broadcast on the Redis channel: a small binary header (origin host, kind, chats, seq, message and
/// user ids, event name) followed by the wire frame's JSON bytes as they are, so no host parses or
/// re-serializes a frame to relay it. Hosts of another version ignore what they cannot read, and read
/// it from the store when the gap shows.
/// </summary>
internal static class BroadcastCodec
{
    private const byte Version = 2;

    // Version, origin, kind, chat count; then the chats; then seq, message id, flags and user id, name length.
    private const int Fixed = 1 + 16 + 1 + 4;
    private const int Tail = 8 + 8 + 1 + 8 + 1;

    public static byte[] Encode(Guid origin, ChatBroadcast broadcast)
    {
        var name = Encoding.ASCII.GetBytes(broadcast.EventName);
        var header = Fixed + (8 * broadcast.ChatIds.Length) + Tail + name.Length;
        var bytes = new byte[header + broadcast.Frame.Length];
        var span = bytes.AsSpan();
        span[0] = Version;
        origin.TryWriteBytes(span[1..17]);
        span[17] = (byte)broadcast.Kind;
        BinaryPrimitives.WriteInt32LittleEndian(span[18..], broadcast.ChatIds.Length);
        var offset = Fixed;
        foreach (var chatId in broadcast.ChatIds)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[offset..], chatId);
            offset += 8;
        }

        BinaryPrimitives.WriteInt64LittleEndian(span[offset..], broadcast.Seq);
        BinaryPrimitives.WriteInt64LittleEndian(span[(offset + 8)..], broadcast.MessageId);
        // Flags: bit 0 says a user id follows, bit 1 that a read is of a private chat.
        span[offset + 16] = (byte)((broadcast.UserId is null ? 0 : 1) | (broadcast.PrivateChat ? 2 : 0));
        BinaryPrimitives.WriteInt64LittleEndian(span[(offset + 17)..], broadcast.UserId ?? 0);
        span[offset + 25] = checked((byte)name.Length);
        name.CopyTo(span[(offset + Tail)..]);
        broadcast.Frame.CopyTo(span[header..]);
        return bytes;
    }

    /// <summary>Reads a broadcast; <see langword="false"/> for anything that is not one (another version, say).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out Guid origin, out ChatBroadcast? broadcast)
    {
        origin = Guid.Empty;
        broadcast = null;
        if (bytes.Length < Fixed || bytes[0] != Version)
        {
            return false;
        }

        origin = new Guid(bytes[1..17]);
        var kind = (BroadcastKind)bytes[17];
        var chatCount = BinaryPrimitives.ReadInt32LittleEndian(bytes[18..]);
        if (chatCount < 0 || bytes.Length < Fixed + (8L * chatCount) + Tail || !Enum.IsDefined(kind))
        {
            return false;
        }

        var chatIds = new long[chatCount];
        var offset = Fixed;
        for (var i = 0; i < chatCount; i++, offset += 8)
        {
            chatIds[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[offset..]);
        }

        var seq = BinaryPrimitives.ReadInt64LittleEndian(bytes[offset..]);
        var messageId = BinaryPrimitives.ReadInt64LittleEndian(bytes[(offset + 8)..]);
        var flags = bytes[offset + 16];
        long? userId = (flags & 1) != 0 ? BinaryPrimitives.ReadInt64LittleEndian(bytes[(offset + 17)..]) : null;
        var nameLength = bytes[offset + 25];
        if (bytes.Length < offset + Tail + nameLength)
        {
            return false;
        }

        var name = Encoding.ASCII.GetString(bytes.Slice(offset + Tail, nameLength));
        broadcast = new ChatBroadcast(kind, chatIds, bytes[(offset + Tail + nameLength)..].ToArray(), name, seq, messageId, userId) { PrivateChat = (flags & 2) != 0 };
        return true;
    }
}
