using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine.AspNetCore;

/// <summary>What the hub's <c>Send</c> takes: the v2 send frame without its type.</summary>
/// <param name="Text">The text.</param>
/// <param name="ClientId">An idempotency key: a retry with it gives the first message.</param>
/// <param name="ReplyTo">The message of the chat it quotes.</param>
/// <param name="Attachments">Ids of the caller's pending uploads to the chat that it carries.</param>
public sealed record HubSendArguments(
    [property: System.Text.Json.Serialization.JsonPropertyName("text")] string? Text,
    [property: System.Text.Json.Serialization.JsonPropertyName("client_id")] string? ClientId = null,
    [property: System.Text.Json.Serialization.JsonPropertyName("reply_to")] long? ReplyTo = null,
    [property: System.Text.Json.Serialization.JsonPropertyName("attachments")] IReadOnlyList<string>? Attachments = null);

/// <summary>
/// The SignalR face of the chat: the same operations and events as the raw WebSocket. Call
/// <c>JoinChat</c> for each chat to receive its events (<c>message</c>, <c>read</c>, <c>typing</c>,
/// <c>status</c>); membership is checked on every call. Errors arrive as hub errors whose message
/// ends in <c>HubException: {code}: {detail}</c> (for example <c>HubException: rate_limited: ...</c>).
/// </summary>
[Authorize]
public sealed class ChatHub : Hub
{
    private const string ConnectionUserKey = "chatengine.user";
    private const string ConnectionUserIdKey = "chatengine.user-id";
    private const string CountedOnlineKey = "chatengine.online";

    private readonly ChatService _chats;
    private readonly MessagingService _messaging;
    private readonly PresenceService _presence;
    private readonly ChatHubConnections _connections;
    private readonly ChatConnectionCommands _commands;
    private readonly IServiceProvider _services;
    private readonly ChatEngineMetrics _metrics;

    /// <summary>Created by SignalR for each invocation.</summary>
    public ChatHub(ChatService chats, MessagingService messaging, PresenceService presence, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _chats = chats;
        _messaging = messaging;
        _presence = presence;
        _connections = services.GetRequiredService<ChatHubConnections>();
        _services = services;
        _commands = services.GetRequiredService<ChatConnectionCommands>();
        _metrics = services.GetRequiredService<ChatEngineMetrics>();
    }

    /// <inheritdoc />
    public override async Task OnConnectedAsync()
    {
        // Looked up once, when the connection opens; every call after reads it from the connection.
        if (await ChatRequestContext.ResolveAsync(Context.User!, _services, Context.ConnectionAborted) is { } resolved)
        {
            Context.Items[ConnectionUserIdKey] = resolved;
        }

        var userId = Me();
        _connections.Connected(Context.ConnectionId, userId, Context.Abort);
        _metrics.ConnectionOpened("signalr");
        await _services.GetRequiredService<BlockedUsers>().LoadAsync(userId);
        // Never cancelled half-way by the client leaving at once (a page navigating on): the disconnect
        // that follows must take away exactly what this connect added, or it would take another
        // connection's place and show the user offline while they are on.
        await _presence.ConnectedAsync(userId, CancellationToken.None);
        Context.Items[CountedOnlineKey] = true;
    }

    /// <inheritdoc />
    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (!_connections.Disconnected(Context.ConnectionId))
        {
            return; // Refused in OnConnectedAsync: never counted.
        }

        _metrics.ConnectionClosed("signalr");
        StopStream();
        if (Context.Items.ContainsKey(CountedOnlineKey) && Context.Items[ConnectionUserIdKey] is long userId)
        {
            await _presence.DisconnectedAsync(userId, CancellationToken.None);
        }
    }

    /// <summary>Subscribes to a chat's events; returns the messages after <paramref name="after"/> (if given), oldest first.</summary>
    public async Task<List<JsonElement>> JoinChat(long chatId, long? after = null)
    {
        await _chats.GetMembershipAsync(Me(), chatId, Context.ConnectionAborted);
        // Subscribe first, then read history: nothing falls between; clients drop duplicates by id.
        _connections.Joined(Context.ConnectionId, chatId);
        UserStreams.HubStream(Context.ConnectionId)?.Watch([chatId], watch: true);
        if (after is null)
        {
            return [];
        }

        var missed = await _messaging.GetMessagesAfterAsync(Me(), chatId, after.Value, cancellationToken: Context.ConnectionAborted);
        return missed.Select(m => JsonSerializer.SerializeToElement(MessageFrame.From(m, _commands.Links), ChatJsonContext.Default.MessageFrame)).ToList();
    }

    /// <summary>
    /// Subscribes to a chat's events, then returns every change after <paramref name="afterSeq"/>
    /// (<c>{events, seq, has_more, limited}</c>). A live event may repeat one returned here: clients
    /// keep the chat's last <c>seq</c> and drop what is not beyond it.
    /// </summary>
    public async Task<JsonElement> JoinChatSince(long chatId, long afterSeq)
    {
        var changes = _services.GetRequiredService<ChatChanges>();
        await _chats.GetMembershipAsync(Me(), chatId, Context.ConnectionAborted);
        _connections.Joined(Context.ConnectionId, chatId);
        UserStreams.HubStream(Context.ConnectionId)?.Watch([chatId], watch: true);
        var page = await changes.GetChangesAsync(Me(), chatId, afterSeq, cancellationToken: Context.ConnectionAborted);
        return JsonSerializer.SerializeToElement(ChangeFrames.ToResponse(page, _commands.Links), ChatJsonContext.Default.ChangesResponse);
    }

    /// <summary>Stops receiving a chat's events.</summary>
    public Task LeaveChat(long chatId)
    {
        _connections.Left(Context.ConnectionId, chatId);
        UserStreams.HubStream(Context.ConnectionId)?.Watch([chatId], watch: false);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Subscribes to the events of every chat of the caller (contract v2, section 4), then returns the
    /// first page of what changed since <paramref name="since"/> (<c>{events, next, has_more, limited,
    /// limited_chats}</c>, as <c>GET /sync/</c>; without a cursor, a first one). Page on with
    /// <c>GET /sync/?since={next}</c> while live events arrive. Chats joined with <c>JoinChat</c> are
    /// the watched ones (typing, presence, group reads); each event arrives once.
    /// </summary>
    public async Task<JsonElement> Subscribe(string? since = null)
    {
        var cursors = _services.GetRequiredService<SyncCursors>();
        var position = string.IsNullOrEmpty(since) ? null : cursors.Decode(since);
        var userId = Me();
        var streams = UserStreams;
        var stream = streams.HubStream(Context.ConnectionId);
        if (stream is null)
        {
            var transport = _services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ChatTransportOptions>>().Value;
            var sync = _services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ChatEngineOptions>>().Value.Sync;
            stream = new HubUserStream(
                Context.ConnectionId, userId, Context.Abort, _services.GetRequiredService<IHubContext<ChatHub>>(), streams,
                transport.SendQueueCapacity * 4, _services.GetRequiredService<TimeProvider>(), sync.CursorInterval);
            streams.AddHub(stream);
            stream.Watch(_connections.JoinedChats(Context.ConnectionId), watch: true);
            stream.Follow(await _services.GetRequiredService<IChatStore>().GetChatIdsForUserAsync(userId, Context.ConnectionAborted));
            _ = stream.RunWriterAsync(
                _services.GetRequiredService<IServiceScopeFactory>(), cursors, _commands.Links, CancellationToken.None);
        }

        var page = await _services.GetRequiredService<ChatSync>().GetAsync(userId, position, cancellationToken: Context.ConnectionAborted);
        stream.Start(page.Next, synced: null);
        return JsonSerializer.SerializeToElement(SyncFrames.ToResponse(page, cursors.Encode(page.Next), _commands.Links), ChatJsonContext.Default.SyncResponse);
    }

    /// <summary>Stops the caller's user stream; joined chats keep their events.</summary>
    public Task Unsubscribe()
    {
        StopStream();
        return Task.CompletedTask;
    }

    private UserStreams UserStreams => _services.GetRequiredService<UserStreams>();

    private void StopStream()
    {
        if (UserStreams.HubStream(Context.ConnectionId) is { } stream)
        {
            UserStreams.Remove(stream);
            stream.CompleteSending();
        }
    }

    /// <summary>Sends a message; returns it once committed (the first one, for a repeated <paramref name="clientId"/>).</summary>
    public async Task<JsonElement> SendMessage(long chatId, string? text, string? clientId = null)
    {
        var sent = await _commands.SendAsync(_services, User(), chatId, new MessageContent(text, clientId), Context.ConnectionAborted);
        return Sent(sent);
    }

    /// <summary>
    /// Sends a message (<c>{text, client_id, reply_to}</c>): v2's send, which may quote a message of the
    /// chat. Returns the <c>message</c> event once committed (the first one, for a repeated client id).
    /// </summary>
    public async Task<JsonElement> Send(long chatId, HubSendArguments message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var sent = await _commands.SendAsync(
            _services, User(), chatId, new MessageContent(message.Text, message.ClientId, message.ReplyTo, message.Attachments), Context.ConnectionAborted);
        return Sent(sent);
    }

    /// <summary>Edits the caller's message; returns the <c>message_updated</c> event, or null when nothing changed.</summary>
    public async Task<JsonElement?> EditMessage(long chatId, long messageId, string? text, string? clientId = null)
    {
        var edit = await _commands.EditAsync(_services, User(), chatId, messageId, text, clientId, Context.ConnectionAborted);
        return edit.Change is { } change ? ChangeFrames.ToElement(new ChatChanged(change, []), _commands.Links) : null;
    }

    /// <summary>Deletes a message (the author's, or any in a group for its admins).</summary>
    public Task DeleteMessage(long chatId, long messageId) =>
        _commands.DeleteAsync(_services, User(), chatId, messageId, Context.ConnectionAborted);

    /// <summary>Adds (<paramref name="on"/>) or removes a reaction; returns the <c>reaction</c> event, or null when nothing changed.</summary>
    public async Task<JsonElement?> React(long chatId, long messageId, string? emoji, bool on = true)
    {
        var result = await _commands.ReactAsync(_services, User(), chatId, messageId, emoji, on, Context.ConnectionAborted);
        return result.Change is { } change ? ChangeFrames.ToElement(new ChatChanged(change, []), _commands.Links) : null;
    }

    /// <summary>Pins or unpins a message.</summary>
    public Task Pin(long chatId, long messageId, bool pinned = true) =>
        _commands.PinAsync(_services, User(), chatId, messageId, pinned, Context.ConnectionAborted);

    private JsonElement Sent(SentMessage sent) => JsonSerializer.SerializeToElement(
        MessageFrame.From(sent.Message, sent.Sender, sent.ReplyPreview, [], sent.Attachments, _commands.Links), ChatJsonContext.Default.MessageFrame);

    /// <summary>Marks the chat read up to a message.</summary>
    public Task MarkRead(long chatId, long upTo) =>
        _commands.MarkReadAsync(_services, User(), chatId, upTo, Context.ConnectionAborted);

    /// <summary>Tells the chat the caller is typing (at most once per <see cref="ChatTransportOptions.TypingInterval"/>).</summary>
    public Task Typing(long chatId) =>
        _commands.TypingAsync(_services, User(), chatId, Context.ConnectionAborted);

    /// <summary>The connection's user, kept with the connection so it is looked up once.</summary>
    private ChatConnectionUser User()
    {
        if (Context.Items[ConnectionUserKey] is not ChatConnectionUser user)
        {
            Context.Items[ConnectionUserKey] = user = new ChatConnectionUser(Me());
        }

        return user;
    }

    private long Me()
    {
        if (Context.Items.TryGetValue(ConnectionUserIdKey, out var known) && known is long userId)
        {
            return userId;
        }

        throw new HubException($"{ChatErrorCodes.ChatUserUnresolved}: you are signed in, but this app maps your account to no chat user: see its log.");
    }
}
