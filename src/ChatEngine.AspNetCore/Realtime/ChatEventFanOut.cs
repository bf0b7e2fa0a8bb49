using System.Text.Json;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Turns every core event of this host into a <see cref="ChatBroadcast"/>, serialized once, and hands
/// it to this host's connections and to the relay for the other hosts. Nothing here waits for a
/// client or for Redis.
/// </summary>
internal sealed class ChatEventFanOut(ChatBroadcaster broadcaster, IChatBroadcastRelay relay) : IChatEventHandler
{
    public ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        if (ToBroadcast(chatEvent) is { } broadcast)
        {
            broadcaster.Deliver(broadcast);
            relay.Publish(broadcast);
        }

        return ValueTask.CompletedTask;
    }

    public static ChatBroadcast? ToBroadcast(ChatEvent chatEvent) => chatEvent switch
    {
        MessageCommitted committed => new ChatBroadcast(
            BroadcastKind.Message,
            [committed.Message.ChatId],
            JsonSerializer.SerializeToUtf8Bytes(MessageFrame.From(committed), ChatJsonContext.Default.MessageFrame),
            "message",
            committed.Message.Seq,
            committed.Message.Id),
        ChatChanged { Change: var change } => new ChatBroadcast(
            change.Kind switch
            {
                ChatChangeKind.MemberRemoved => BroadcastKind.MemberRemoved,
                ChatChangeKind.ChatDeleted => BroadcastKind.ChatDeleted,
                _ => BroadcastKind.Change,
            },
            [change.ChatId],
            ChangeFrames.Serialize(change),
            ChangeFrames.TypeOf(change.Kind),
            change.Seq,
            UserId: change.Kind == ChatChangeKind.MemberRemoved ? change.Members[0].UserId : null),
        MessagesRead read => new ChatBroadcast(
            BroadcastKind.Read,
            [read.ChatId],
            JsonSerializer.SerializeToUtf8Bytes(new ReadFrame(read.ChatId, read.Reader.Id, read.Reader.UserName, read.UpToMessageId, WireTime.Format(read.ReadAt)), ChatJsonContext.Default.ReadFrame),
            "read"),
        UserTyping typing => new ChatBroadcast(
            BroadcastKind.Typing,
            [typing.ChatId],
            JsonSerializer.SerializeToUtf8Bytes(new TypingFrame(typing.ChatId, typing.User.Id, typing.User.UserName), ChatJsonContext.Default.TypingFrame),
            "typing"),
        PresenceChanged presence => new ChatBroadcast(
            BroadcastKind.Status,
            presence.ChatIds.ToArray(),
            JsonSerializer.SerializeToUtf8Bytes(new StatusFrame(presence.User.Id, presence.User.UserName, presence.IsOnline, WireTime.Format(presence.LastSeen)), ChatJsonContext.Default.StatusFrame),
            "status"),
        _ => null,
    };
}
