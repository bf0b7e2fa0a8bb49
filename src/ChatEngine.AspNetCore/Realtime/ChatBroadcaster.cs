using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Delivers broadcasts, from this host or relayed from another, to the connections on this host:
/// raw WebSockets through their own queues, SignalR connections one by one (local sends never touch
/// a backplane). Numbered changes (messages and the rest) go through <see cref="ChatEventOrdering"/>,
/// so each chat's changes reach every connection in <c>seq</c> order and exactly once. A removal or
/// deletion closes the connections concerned right after its change is delivered to them. A relay
/// between hosts hands it what other hosts broadcast (see <see cref="IChatBroadcastRelay"/>).
/// </summary>
public sealed partial class ChatBroadcaster
{
    private const int MissedPage = 500;

    private readonly ChatConnectionRegistry _sockets;
    private readonly ChatHubConnections _hubConnections;
    private readonly UserStreams _userStreams;
    private readonly IHubContext<ChatHub> _hub;
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<ChatBroadcaster> _logger;
    private readonly ChatEventOrdering _ordering;
    private readonly ChatMembershipCache _memberships;
    private readonly ChatEngineMetrics _metrics;
    private readonly BlockedUsers _blocked;

    internal ChatBroadcaster(
        ChatConnectionRegistry sockets,
        ChatHubConnections hubConnections,
        UserStreams userStreams,
        IHubContext<ChatHub> hub,
        IServiceScopeFactory scopes,
        TimeProvider time,
        ChatMembershipCache memberships,
        ChatEngineMetrics metrics,
        BlockedUsers blocked,
        ILogger<ChatBroadcaster> logger)
    {
        _blocked = blocked;
        _metrics = metrics;
        _memberships = memberships;
        _sockets = sockets;
        _hubConnections = hubConnections;
        _userStreams = userStreams;
        _hub = hub;
        _scopes = scopes;
        _logger = logger;
        _ordering = new ChatEventOrdering(time, ReadMissedAsync, IsWatched);
    }

    /// <summary>
    /// Delivers a broadcast to this host's connections: numbered changes in each chat's order, exactly
    /// once, whichever host made them.
    /// </summary>
    public void Deliver(ChatBroadcast broadcast)
    {
        ArgumentNullException.ThrowIfNull(broadcast);
        if (broadcast.Kind == BroadcastKind.Blocks)
        {
            _blocked.Set(broadcast.UserId ?? 0, BlockedUsers.Read(broadcast.Frame));
            return;
        }

        if (broadcast.Kind == BroadcastKind.SessionsEnded)
        {
            EndConnections(broadcast.UserId ?? 0);
            return;
        }

        if (broadcast.IsNumbered)
        {
            var chatId = broadcast.ChatIds[0];
            _ordering.Deliver(chatId, broadcast.Seq, () => DeliverNow(chatId, broadcast));
            return;
        }

        foreach (var target in broadcast.ChatIds)
        {
            DeliverNow(target, broadcast);
        }

        if (broadcast.Kind == BroadcastKind.Status)
        {
            _metrics.Delivered(_userStreams.DeliverStatus(broadcast, _blocked));
        }
    }

    /// <summary>Reads from the store and delivers what the chats watched here missed while broadcasts could not arrive.</summary>
    public Task CatchUpAsync() => _ordering.CatchUpAsync();

    /// <summary>Whether a connection on this host follows the chat.</summary>
    private bool IsWatched(long chatId) =>
        !_sockets.ChatSockets(chatId).IsEmpty || _hubConnections.InChat(chatId, userId: null).Count > 0 || _userStreams.Follows(chatId);

    private void DeliverNow(long chatId, ChatBroadcast broadcast)
    {
        // User streams get each chat's events in the same order as its sockets; presence goes to them once, in Deliver.
        var toStreams = broadcast.Kind == BroadcastKind.Status ? 0 : _userStreams.Deliver(chatId, broadcast, _blocked);
        if (broadcast.Kind is BroadcastKind.Notifications or BroadcastKind.Report)
        {
            _metrics.Delivered(toStreams);
            return;
        }

        // Typing, presence and private reads of a user never reach those who block them.
        var chatSockets = _sockets.ChatSockets(chatId);
        var skipped = 0;
        foreach (var socket in chatSockets)
        {
            if (_blocked.Hides(socket.UserId, broadcast))
            {
                skipped++;
                continue;
            }

            socket.Deliver(broadcast);
        }

        var hubConnections = broadcast is { Kind: BroadcastKind.Status or BroadcastKind.Typing or BroadcastKind.Read, UserId: not null }
            ? HubConnectionsShown(chatId, broadcast)
            : _hubConnections.InChat(chatId, userId: null);

        // A hub connection that subscribed gets the chat through its user stream (its joins are watches).
        if (_userStreams.AnyHubStreams && hubConnections.Count > 0)
        {
            hubConnections = hubConnections.Where(id => _userStreams.HubStream(id) is null).ToArray();
        }

        _metrics.Delivered(chatSockets.Length - skipped + hubConnections.Count + toStreams);
        if (hubConnections.Count > 0)
        {
            var element = JsonSerializer.Deserialize(broadcast.Frame, ChatJsonContext.Default.JsonElement);
            foreach (var connectionId in hubConnections)
            {
                Observe(_hub.Clients.Client(connectionId).SendAsync(broadcast.EventName, element, CancellationToken.None));
            }
        }

        switch (broadcast.Kind)
        {
            case BroadcastKind.MemberRemoved:
                Disconnect(chatId, broadcast.UserId);
                break;
            case BroadcastKind.ChatDeleted:
                Disconnect(chatId, userId: null);
                break;
        }
    }

    // A method of its own: its filter captures the broadcast, and a capture in DeliverNow would cost
    // every delivery an allocation, this branch taken or not.
    private IReadOnlyList<string> HubConnectionsShown(long chatId, ChatBroadcast broadcast) =>
        _hubConnections.InChatWhere(chatId, user => !_blocked.Hides(user, broadcast) && !(broadcast.Kind == BroadcastKind.Status && user == broadcast.UserId));

    private void Disconnect(long chatId, long? userId)
    {
        // A removal on another host reaches this host's membership cache only this way.
        _memberships.Forget(chatId, userId);

        // Membership is checked on every operation too; closing just stops what a removed user still receives.
        _sockets.Disconnect(chatId, userId);
        foreach (var connectionId in _hubConnections.InChat(chatId, userId))
        {
            _hubConnections.Left(connectionId, chatId);
        }
    }

    /// <summary>Closes every connection of a user on this host: their sign-ins ended, and a connection is authenticated only when it opens.</summary>
    private void EndConnections(long userId)
    {
        _sockets.CloseUser(userId);
        _userStreams.EndUser(userId);
        _hubConnections.AbortUser(userId);
    }

    private async Task<IReadOnlyList<(long Sequence, Action Deliver)>> ReadMissedAsync(long chatId, long from, long until)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var changes = scope.ServiceProvider.GetRequiredService<ChatChanges>();
        var links = scope.ServiceProvider.GetRequiredService<AttachmentLinks>();
        var missed = new List<(long, Action)>();
        var after = from - 1;
        while (after + 1 < until)
        {
            var page = await changes.ReadForDeliveryAsync(chatId, after, MissedPage, CancellationToken.None).ConfigureAwait(false);
            foreach (var broadcast in page.Events.Select(e => ChatEventFanOut.ToBroadcast(e, links)).TakeWhile(b => b!.Seq < until))
            {
                missed.Add((broadcast!.Seq, () => DeliverNow(chatId, broadcast)));
            }

            if (!page.HasMore)
            {
                break;
            }

            after = page.Seq;
        }

        if (missed.Count > 0)
        {
            LogMissedRead(_logger, missed.Count, chatId);
        }

        return missed;
    }

    private void Observe(Task task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            _ = task.ContinueWith(
                t => LogHubSendFailed(_logger, t.Exception!),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Sending a chat event to SignalR clients failed.")]
    private static partial void LogHubSendFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Read {Count} changes of chat {ChatId} from the store whose broadcasts did not arrive.")]
    private static partial void LogMissedRead(ILogger logger, int count, long chatId);
}
