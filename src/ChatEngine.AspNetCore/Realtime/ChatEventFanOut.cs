using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Delivers every core event to both transports. Each event is serialized once; the same bytes go
/// to every raw WebSocket of the chat and the same JSON element to the chat's SignalR group.
/// Nothing here waits for a client: sockets have their own queues, and hub sends are not awaited.
/// </summary>
internal sealed partial class ChatEventFanOut(
    ChatConnectionRegistry sockets,
    ChatHubConnections hubConnections,
    IHubContext<ChatHub> hub,
    ChatEventOrdering ordering,
    ILogger<ChatEventFanOut> logger) : IChatEventHandler
{
    public ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        switch (chatEvent)
        {
            case MessageCommitted committed:
                var message = Serialize(MessageFrame.From(committed), ChatJsonContext.Default.MessageFrame);
                ordering.Deliver(committed.Message.ChatId, committed.Message.Sequence,
                    () => Broadcast(committed.Message.ChatId, "message", message, committed.Message.Id));
                break;
            case MessagesRead read:
                Broadcast(read.ChatId, "read", Serialize(new ReadFrame(read.ChatId, read.Reader.Id, read.Reader.UserName, read.UpToMessageId, WireTime.Format(read.ReadAt)), ChatJsonContext.Default.ReadFrame));
                break;
            case UserTyping typing:
                Broadcast(typing.ChatId, "typing", Serialize(new TypingFrame(typing.ChatId, typing.User.Id, typing.User.UserName), ChatJsonContext.Default.TypingFrame));
                break;
            case PresenceChanged presence:
                var status = Serialize(new StatusFrame(presence.User.Id, presence.User.UserName, presence.IsOnline, WireTime.Format(presence.LastSeen)), ChatJsonContext.Default.StatusFrame);
                foreach (var chatId in presence.ChatIds)
                {
                    Broadcast(chatId, "status", status);
                }

                break;
            case ChatMembershipChanged { Change: MembershipChange.Removed or MembershipChange.ChatDeleted } membership:
                // Membership is checked on every operation too; closing just stops what a removed user still receives.
                var userId = membership.Change == MembershipChange.ChatDeleted ? null : membership.UserId;
                sockets.Disconnect(membership.ChatId, userId);
                foreach (var connectionId in hubConnections.InChat(membership.ChatId, userId))
                {
                    hubConnections.Left(connectionId, membership.ChatId);
                    Observe(hub.Groups.RemoveFromGroupAsync(connectionId, ChatHubConnections.GroupName(membership.ChatId), CancellationToken.None));
                }

                break;
        }

        return ValueTask.CompletedTask;
    }

    private static SerializedFrame Serialize<T>(T frame, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(frame, typeInfo);
        return new SerializedFrame(bytes, JsonSerializer.Deserialize(bytes, ChatJsonContext.Default.JsonElement));
    }

    private void Broadcast(long chatId, string eventName, SerializedFrame frame, long? messageId = null)
    {
        var chatSockets = sockets.ChatSockets(chatId);
        foreach (var socket in chatSockets)
        {
            socket.Deliver(frame.Utf8, messageId);
        }

        ChatEngineMetrics.Deliveries.Add(chatSockets.Length);

        Observe(hub.Clients.Group(ChatHubConnections.GroupName(chatId)).SendAsync(eventName, frame.Element, CancellationToken.None));
    }

    private void Observe(Task task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            _ = task.ContinueWith(
                t => LogHubSendFailed(logger, t.Exception!),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Sending a chat event to SignalR clients failed.")]
    private static partial void LogHubSendFailed(ILogger logger, Exception exception);

    private sealed record SerializedFrame(byte[] Utf8, JsonElement Element);
}
