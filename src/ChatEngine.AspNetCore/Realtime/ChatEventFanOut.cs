using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Turns every core event of this host into a <see cref="ChatBroadcast"/>, serialized once, and hands
/// it to this host's connections and to the relay for the other hosts: on delivery lanes of its own,
/// never on the publisher's path, so a send (and the store's write loop that completes it) only
/// queues its event. Events are spread over the lanes by chat (presence by user): one chat's events
/// keep their order, and chats are delivered in parallel. A full lane makes its publishers wait,
/// which slows senders rather than dropping their events. Nothing here waits for a client or Redis.
/// </summary>
internal sealed partial class ChatEventFanOut : IChatEventHandler, IAsyncDisposable, IDisposable
{
    private const int LaneCapacity = 16_384;

    private readonly ChatBroadcaster _broadcaster;
    private readonly IChatBroadcastRelay _relay;
    private readonly ILogger<ChatEventFanOut> _logger;
    private readonly AttachmentLinks _links;
    private readonly Channel<ChatEvent>[] _lanes;
    private readonly Task[] _loops;

    public ChatEventFanOut(ChatBroadcaster broadcaster, IChatBroadcastRelay relay, AttachmentLinks links, ILogger<ChatEventFanOut> logger)
    {
        _links = links;
        _broadcaster = broadcaster;
        _relay = relay;
        _logger = logger;
        _lanes = new Channel<ChatEvent>[Math.Max(2, Environment.ProcessorCount)];
        _loops = new Task[_lanes.Length];
        for (var i = 0; i < _lanes.Length; i++)
        {
            var lane = _lanes[i] = Channel.CreateBounded<ChatEvent>(new BoundedChannelOptions(LaneCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
            _loops[i] = Task.Run(() => RunAsync(lane));
        }
    }

    public ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        var lane = _lanes[(int)((ulong)LaneKey(chatEvent) % (ulong)_lanes.Length)].Writer;

        // The change is committed: its delivery must not be cancelled half-way by the sender leaving.
        return lane.TryWrite(chatEvent) ? ValueTask.CompletedTask : lane.WriteAsync(chatEvent, CancellationToken.None);
    }

    /// <summary>Delivers what the lanes hold, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        Dispose();
        await Task.WhenAll(_loops).ConfigureAwait(false);
    }

    /// <summary>Stops taking events; the lanes deliver what they hold in the background (a container disposed synchronously).</summary>
    public void Dispose()
    {
        foreach (var lane in _lanes)
        {
            lane.Writer.TryComplete();
        }
    }

    public static ChatBroadcast? ToBroadcast(ChatEvent chatEvent, AttachmentLinks links) => chatEvent switch
    {
        MessageCommitted committed => new ChatBroadcast(
            BroadcastKind.Message,
            [committed.Message.ChatId],
            JsonSerializer.SerializeToUtf8Bytes(MessageFrame.From(committed, links), ChatJsonContext.Default.MessageFrame),
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
            "read",
            UserId: read.Reader.Id) { PrivateChat = read.InPrivateChat },
        UserTyping typing => new ChatBroadcast(
            BroadcastKind.Typing,
            [typing.ChatId],
            JsonSerializer.SerializeToUtf8Bytes(new TypingFrame(typing.ChatId, typing.User.Id, typing.User.UserName), ChatJsonContext.Default.TypingFrame),
            "typing",
            UserId: typing.User.Id),
        PresenceChanged presence => new ChatBroadcast(
            BroadcastKind.Status,
            presence.ChatIds.ToArray(),
            JsonSerializer.SerializeToUtf8Bytes(new StatusFrame(presence.User.Id, presence.User.UserName, presence.IsOnline, WireTime.Format(presence.LastSeen)), ChatJsonContext.Default.StatusFrame),
            "status",
            UserId: presence.User.Id),
        NotificationSettingsChanged settings => new ChatBroadcast(
            BroadcastKind.Notifications,
            [settings.ChatId],
            SyncFrames.Serialize(settings, links),
            "notifications",
            UserId: settings.UserId),
        UserBlocksChanged blocks => new ChatBroadcast(BroadcastKind.Blocks, [], BlockedUsers.Frame(blocks), "blocks", UserId: blocks.UserId),
        UserSessionsEnded ended => new ChatBroadcast(BroadcastKind.SessionsEnded, [], [], "sessions_ended", UserId: ended.UserId),
        _ => null,
    };

    /// <summary>A report goes to each admin's own streams: one broadcast per admin, the frame made once.</summary>
    private static IEnumerable<ChatBroadcast> ReportBroadcasts(MessageReported reported)
    {
        var frame = JsonSerializer.SerializeToUtf8Bytes(ReportResponse.Frame(reported.Report), ChatJsonContext.Default.ReportResponse);
        return reported.AdminIds.Select(admin => new ChatBroadcast(BroadcastKind.Report, [reported.Chat.Id], frame, "report", UserId: admin));
    }

    private static long LaneKey(ChatEvent chatEvent) => chatEvent switch
    {
        MessageCommitted committed => committed.Message.ChatId,
        ChatChanged changed => changed.Change.ChatId,
        MessagesRead read => read.ChatId,
        UserTyping typing => typing.ChatId,
        PresenceChanged presence => presence.User.Id,
        NotificationSettingsChanged settings => settings.ChatId,
        MessageReported reported => reported.Chat.Id,
        UserBlocksChanged blocks => blocks.UserId,
        UserSessionsEnded ended => ended.UserId,
        _ => 0,
    };

    private async Task RunAsync(Channel<ChatEvent> lane)
    {
        await foreach (var chatEvent in lane.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                var broadcasts = chatEvent is MessageReported reported
                    ? ReportBroadcasts(reported)
                    : ToBroadcast(chatEvent, _links) is { } one ? [one] : [];
                foreach (var broadcast in broadcasts)
                {
                    _broadcaster.Deliver(broadcast);
                    _relay.Publish(broadcast);
                }
            }
#pragma warning disable CA1031 // One event that cannot be delivered must not stop its lane.
            catch (Exception error)
#pragma warning restore CA1031
            {
                LogDeliveryFailed(_logger, error, chatEvent.GetType().Name);
            }
        }
    }

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "Delivering a {Event} to this host's connections failed.")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string @event);
}
