using Microsoft.Extensions.Options;

namespace ChatEngine;

/// <summary>Private chats, chat lists, chat history and user search, with every rule enforced here.</summary>
public sealed class ChatService
{
    private readonly IChatStore _chats;
    private readonly IChatMemberStore _members;
    private readonly IMessageStore _messages;
    private readonly IChatUserDirectory _users;
    private readonly IChatEventPublisher _events;
    private readonly ChatChangeParticipation _participation;
    private readonly PresenceService _presence;
    private readonly MessagingService _messaging;
    private readonly ChatAccess _access;
    private readonly MessageDetails _details;
    private readonly TimeProvider _time;
    private readonly ChatEngineOptions _options;

    internal ChatService(
        IChatStore chats,
        IChatMemberStore members,
        IMessageStore messages,
        IChatUserDirectory users,
        IChatEventPublisher events,
        ChatChangeParticipation participation,
        PresenceService presence,
        MessagingService messaging,
        ChatAccess access,
        MessageDetails details,
        TimeProvider time,
        IOptions<ChatEngineOptions> options)
    {
        _details = details;
        _chats = chats;
        _members = members;
        _messages = messages;
        _users = users;
        _events = events;
        _participation = participation;
        _presence = presence;
        _messaging = messaging;
        _access = access;
        _time = time;
        _options = options.Value;
    }

    /// <summary>
    /// Returns the private chat between the caller and <paramref name="otherUserName"/>, creating it
    /// the first time; racing calls get the same chat.
    /// </summary>
    /// <returns>The chat as a list entry, and whether this call created it.</returns>
    public async Task<(ChatListItem Chat, bool Created)> StartPrivateChatAsync(long userId, string? otherUserName, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(otherUserName))
        {
            throw ChatErrors.Validation(ChatErrorCodes.UserNotFound, "A user name is required.");
        }

        var name = otherUserName.Trim();
        var other = (ChatText.CanMatch(name, _options.MaxUserNameLength)
            ? await _users.FindByUserNameAsync(name, cancellationToken).ConfigureAwait(false)
            : null) ?? throw ChatErrors.UserNotFound();
        if (other.Id == userId)
        {
            throw ChatErrors.Validation(ChatErrorCodes.SelfChat, "You cannot start a chat with yourself.");
        }

        if ((await _access.GetBlockersAsync(userId, [other.Id], cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            throw ChatErrors.Blocked();
        }

        // Before the chat is made: a caller the directory no longer knows (an account deleted while its
        // token lives) would leave the other user a chat with nobody.
        var me = await _access.RequireUserAsync(userId, cancellationToken).ConfigureAwait(false);
        var (chat, created) = await _chats.GetOrCreatePrivateChatAsync(new PrivatePair(userId, other.Id), _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (created)
        {
            // The store logged the creation as change 1 (see IChatChangeLog); this is that change.
            var members = new[] { me, other }.OrderBy(u => u.Id).Select(u => new ChangedMember(u.Id, ChatRole.Member) { UserName = u.UserName }).ToArray();
            var change = ChatChanges.Creation(_chats, chat.Id, chat.CreatedAt, byUserId: null, members);
            await _participation.OnChatCreatedAsync(change, cancellationToken).ConfigureAwait(false);
            await _events.PublishAsync(new ChatChanged(change, [me.Id, other.Id]), CancellationToken.None).ConfigureAwait(false);
        }

        var summary = (await _chats.GetSummariesAsync(userId, ChatKind.Private, cancellationToken).ConfigureAwait(false))
            .FirstOrDefault(s => s.Chat.Id == chat.Id) ?? new ChatSummary { Chat = chat };
        var blocked = (await _access.GetBlockersAsync(other.Id, [userId], cancellationToken).ConfigureAwait(false)).Count > 0;
        return (ToListItem(summary, other.UserName) with { Blocked = blocked }, created);
    }

    /// <summary>The caller's chats of one kind, newest activity first, with exact unread counts.</summary>
    public async Task<IReadOnlyList<ChatListItem>> GetChatsAsync(long userId, ChatKind kind, CancellationToken cancellationToken = default)
    {
        var summaries = await _chats.GetSummariesAsync(userId, kind, cancellationToken).ConfigureAwait(false);
        IReadOnlyDictionary<long, ChatUser> others = new Dictionary<long, ChatUser>();
        IReadOnlySet<long> online = new HashSet<long>();
        IReadOnlySet<long> blocked = new HashSet<long>();
        if (kind == ChatKind.Private)
        {
            var otherIds = summaries.Where(s => s.Chat.Pair is not null).Select(s => s.Chat.Pair!.Value.OtherThan(userId)).Distinct().ToArray();
            others = await _users.GetByIdsAsync(otherIds, cancellationToken).ConfigureAwait(false);
            online = await _presence.GetOnlineAsync(otherIds, cancellationToken).ConfigureAwait(false);
            blocked = await BlockedByAsync(userId, cancellationToken).ConfigureAwait(false);
        }

        // Someone the caller blocked shows as offline: their presence never reaches the caller.
        bool IsBlocked(Chat chat) => chat.Pair is { } pair && blocked.Contains(pair.OtherThan(userId));
        bool IsOtherOnline(Chat chat) => chat.Pair is { } pair && online.Contains(pair.OtherThan(userId)) && !IsBlocked(chat);
        return summaries
            .Select(s => ToListItem(s, TitleFor(s.Chat, userId, others)) with { IsOnline = IsOtherOnline(s.Chat), Blocked = IsBlocked(s.Chat) })
            .OrderByDescending(item => item.Time)
            .ThenByDescending(item => item.ChatId)
            .ToArray();
    }

    /// <summary>
    /// A page of a chat's history for a member, oldest first, with readers and presence. Fetching the
    /// newest page (no <paramref name="beforeMessageId"/>) marks the chat read for the caller.
    /// </summary>
    public Task<ChatDetail> GetChatAsync(long userId, long chatId, long? beforeMessageId = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetChatPageAsync(userId, chatId, new ChatPageQuery { Before = beforeMessageId, Limit = limit }, cancellationToken);

    /// <summary>
    /// A page of a chat's history for a member, oldest first, with readers and presence: the newest
    /// page, the page before a message, or the page around one. Only the newest page marks the chat
    /// read, and only when <see cref="ChatPageQuery.MarkRead"/> is set.
    /// </summary>
    public async Task<ChatDetail> GetChatPageAsync(long userId, long chatId, ChatPageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (chat, viewer) = await _access.RequireMemberAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        var pageSize = query.Limit ?? _options.DefaultPageSize;
        if (pageSize < 1 || pageSize > _options.MaxPageSize)
        {
            throw ChatErrors.Validation(ChatErrorCodes.InvalidPaging, $"limit must be between 1 and {_options.MaxPageSize}.");
        }

        if (query.Before is not null && query.Around is not null)
        {
            throw ChatErrors.Validation(ChatErrorCodes.InvalidPaging, "Give before or around, not both.");
        }

        long? beforeSequence = null;
        if ((query.Before ?? query.Around) is { } anchorId)
        {
            var anchor = await _messages.FindByIdAsync(anchorId, cancellationToken).ConfigureAwait(false);
            if (anchor is null || anchor.ChatId != chatId)
            {
                throw ChatErrors.MessageNotFound();
            }

            // Around a message: it and up to half a page before it, the rest after it.
            beforeSequence = query.Around is null ? anchor.Sequence : anchor.Sequence + 1;
        }

        // One extra row on each side says whether more messages exist, without a count query.
        var olderWanted = query.Around is null ? pageSize : (pageSize / 2) + 1;
        var page = await _messages.GetBeforeAsync(chatId, beforeSequence, olderWanted + 1, cancellationToken).ConfigureAwait(false);
        var hasMore = page.Count > olderWanted;
        IReadOnlyList<ChatMessage> messages = hasMore ? page.Skip(1).ToArray() : page;
        bool? hasNewer = null;
        if (query.Around is not null && messages.Count > 0)
        {
            var newerWanted = pageSize - messages.Count;
            var newer = newerWanted > 0
                ? await _messages.GetAfterAsync(chatId, messages[^1].Sequence, newerWanted + 1, cancellationToken).ConfigureAwait(false)
                : await _messages.GetAfterAsync(chatId, messages[^1].Sequence, 1, cancellationToken).ConfigureAwait(false);
            hasNewer = newer.Count > newerWanted;
            messages = [.. messages, .. newer.Take(newerWanted)];
        }

        // Marked before the readers are computed, so the page shows the read it caused.
        if (query.Before is null && query.Around is null && query.MarkRead && messages.Count > 0)
        {
            await _messaging.MarkReadUpToAsync(chat, viewer, messages[^1], cancellationToken).ConfigureAwait(false);
        }

        var members = await _members.GetMembersAsync(chatId, cancellationToken).ConfigureAwait(false);
        var memberViews = await _access.GetMemberViewsAsync(members, cancellationToken).ConfigureAwait(false);
        var views = await _details.ViewsAsync(chatId, messages, memberViews.ToDictionary(m => m.User.Id, m => m.User), userId, cancellationToken).ConfigureAwait(false);

        var others = members.Where(m => m.UserId != userId).Select(m => m.UserId).ToArray();
        var presence = await _presence.GetPresenceAsync(others, cancellationToken).ConfigureAwait(false);
        var blocked = chat.Pair is { } pair && (await BlockedByAsync(userId, cancellationToken).ConfigureAwait(false)).Contains(pair.OtherThan(userId));
        var now = _time.GetUtcNow();

        return new ChatDetail
        {
            Chat = chat,
            Title = TitleFor(chat, userId, memberViews.ToDictionary(m => m.User.Id, m => m.User)),
            Viewer = viewer,
            Members = memberViews,
            Messages = views,
            HasMore = hasMore,
            IsOnline = !blocked && presence.Values.Any(p => p.IsOnline),
            LastSeen = blocked ? null : presence.Values.Max(p => p.LastSeen),
            Seq = ChatChanges.SeqOf(_chats, chat),
            HasNewer = hasNewer,
            Notifications = _options.Notifications.SettingsOf(viewer.NotifyLevel, viewer.MutedUntil, now),
            Blocked = blocked,
            Muted = MutedMembers(members, memberViews, now),
        };
    }

    /// <summary>The members whose mute holds at <paramref name="now"/>.</summary>
    internal static IReadOnlyList<MutedMember> MutedMembers(IReadOnlyList<ChatMember> members, IReadOnlyList<ChatMemberView> views, DateTimeOffset now) =>
        members.Where(m => m.Mute?.IsActiveAt(now) == true)
            .Select(m => new MutedMember(views.First(v => v.User.Id == m.UserId).User, m.Mute!.Until))
            .ToArray();

    private async Task<IReadOnlySet<long>> BlockedByAsync(long userId, CancellationToken cancellationToken) =>
        _access.Moderation is { } moderation
            ? (await moderation.GetBlocksAsync(userId, cancellationToken).ConfigureAwait(false)).Select(b => b.BlockedUserId).ToHashSet()
            : new HashSet<long>();

    /// <summary>The caller's membership of a chat; a non-member gets <see cref="ChatErrorKind.NotFound"/>.</summary>
    public async Task<ChatMember> GetMembershipAsync(long userId, long chatId, CancellationToken cancellationToken = default) =>
        (await _access.RequireMemberAsync(userId, chatId, cancellationToken).ConfigureAwait(false)).Member;

    /// <summary>Users whose name contains <paramref name="term"/> (ignoring case), the caller excluded, with presence.</summary>
    public async Task<IReadOnlyList<UserPresence>> SearchUsersAsync(long userId, string? term, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(term))
        {
            throw ChatErrors.Validation(ChatErrorCodes.SearchTermRequired, "Query parameter 'q' is required.");
        }

        if (ChatText.HasForbiddenCharacters(term))
        {
            throw ChatErrors.InvalidText("The search term");
        }

        // A term longer than any user name matches nobody.
        var trimmed = term.Trim();
        if (trimmed.Length > _options.MaxUserNameLength)
        {
            return [];
        }

        var found = await _users.SearchAsync(trimmed, userId, _options.MaxSearchResults, cancellationToken).ConfigureAwait(false);
        var presence = await _presence.GetPresenceAsync(found.Select(u => u.Id).ToArray(), cancellationToken).ConfigureAwait(false);
        return found.Select(u => new UserPresence(u, presence[u.Id].IsOnline, presence[u.Id].LastSeen)).ToArray();
    }

    private static string TitleFor(Chat chat, long userId, IReadOnlyDictionary<long, ChatUser> users)
    {
        if (chat.Kind == ChatKind.Group || chat.Pair is null)
        {
            return chat.Name ?? string.Empty;
        }

        var otherId = chat.Pair.Value.OtherThan(userId);
        return (users.GetValueOrDefault(otherId) ?? ChatAccess.UnknownUser(otherId)).UserName;
    }

    /// <summary>What the list shows of the last message: its text, or for files sent without text, how many.</summary>
    internal static string? Preview(ChatMessage? last) => last switch
    {
        { Text.Length: 0, AttachmentCount: 1 } => "📎 1 file",
        { Text.Length: 0, AttachmentCount: > 1 } => $"📎 {last.AttachmentCount} files",
        _ => last?.Text,
    };

    private ChatListItem ToListItem(ChatSummary summary, string title) =>
        new(summary.Chat.Id, title, Preview(summary.LastMessage), summary.Unread, summary.LastActivityAt)
        {
            Seq = ChatChanges.SeqOf(_chats, summary.Chat),
            Mentions = summary.Mentions,
            Notifications = _options.Notifications.SettingsOf(summary.NotifyLevel, summary.MutedUntil, _time.GetUtcNow()),
        };
}
