using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine.InMemory;

/// <summary>
/// A thread-safe store that keeps everything in memory: for tests, demos and embedding trials.
/// One lock guards all state, which keeps every compound write (a send moves the chat's sequence,
/// adds the message and moves the sender's read position) atomic without further thought.
/// </summary>
public sealed partial class InMemoryChatStore : IChatStore, IChatMemberStore, IChatNotificationStore, IMessageStore, IMessageChangeStore, ILastSeenStore, IChatChangeLog, IChatUserKeyStore, IChatHandleStore, IChatModerationStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, Chat> _chats = [];
    private readonly Dictionary<PrivatePair, long> _privateChats = [];
    private readonly Dictionary<string, long> _joinCodes = new(StringComparer.Ordinal);
    private readonly Dictionary<long, List<MemberState>> _members = [];
    private readonly Dictionary<long, List<ChatMessage>> _messages = [];
    private readonly Dictionary<long, ChatMessage> _messagesById = [];
    private readonly Dictionary<long, List<MessageReaction>> _reactions = [];
    private readonly Dictionary<(long ChatId, long SenderId, string ClientId), ChatMessage> _clientIds = [];
    private readonly Dictionary<long, List<ReadMark>> _readMarks = [];
    private readonly Dictionary<long, DateTimeOffset> _lastSeen = [];
    private readonly HashSet<(long ChatId, long UserId)> _barred = [];
    private readonly Dictionary<string, long> _userIdsByKey = new(StringComparer.Ordinal);
    private readonly Dictionary<long, string> _userKeysById = [];
    private readonly Dictionary<long, string> _handles = [];
    private readonly Dictionary<string, long> _handleOwners = new(StringComparer.OrdinalIgnoreCase);

    // Each chat's log, in number order: messages (by id, so a replay shows them as they are now) and other changes.
    private readonly Dictionary<long, List<(long Seq, long? MessageId, ChatChange? Change)>> _log = [];
    private readonly IServiceScopeFactory? _scopes;
    private bool? _hasParticipants;
    private long _nextChatId;
    private long _nextMessageId;
    private long _nextUserId;

    /// <summary>An empty store.</summary>
    /// <param name="scopes">
    /// Where to find <see cref="IChatChangeParticipant"/>s for new messages (none without it). This store
    /// has no transactions: it calls them right after a message is stored, in the chat's unit of work,
    /// and a failure fails the send but keeps the message.
    /// </param>
    public InMemoryChatStore(IServiceScopeFactory? scopes = null) => _scopes = scopes;

    /// <inheritdoc />
    public Task<(Chat Chat, bool Created)> GetOrCreatePrivateChatAsync(PrivatePair pair, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_privateChats.TryGetValue(pair, out var existing))
            {
                return Task.FromResult((_chats[existing], false));
            }

            var chat = new Chat { Id = ++_nextChatId, Kind = ChatKind.Private, Pair = pair, CreatedAt = createdAt, Seq = 1 };
            _chats[chat.Id] = chat;
            LogCreation(chat.Id, createdAt, null, [new(pair.LowUserId, ChatRole.Member), new(pair.HighUserId, ChatRole.Member)]);
            _privateChats[pair] = chat.Id;
            _members[chat.Id] =
            [
                new MemberState(pair.LowUserId, ChatRole.Member, createdAt),
                new MemberState(pair.HighUserId, ChatRole.Member, createdAt),
            ];
            return Task.FromResult((chat, true));
        }
    }

    /// <inheritdoc />
    public Task<Chat> CreateGroupAsync(NewGroup group, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_joinCodes.ContainsKey(group.JoinCode))
            {
                throw JoinCodeTaken();
            }

            var chat = new Chat { Id = ++_nextChatId, Kind = ChatKind.Group, Name = group.Name, JoinCode = group.JoinCode, CreatedAt = group.CreatedAt, Seq = 1 };
            _chats[chat.Id] = chat;
            var members = group.Members.DistinctBy(m => m.UserId).Select(m => new ChangedMember(m.UserId, m.Role)).ToArray();
            LogCreation(chat.Id, group.CreatedAt, members.FirstOrDefault(m => m.Role == ChatRole.Owner)?.UserId, members);
            _joinCodes[group.JoinCode] = chat.Id;
            _members[chat.Id] = group.Members.DistinctBy(m => m.UserId).Select(m => new MemberState(m.UserId, m.Role, group.CreatedAt)).ToList();
            return Task.FromResult(chat);
        }
    }

    /// <inheritdoc />
    public Task<Chat?> FindByIdAsync(long chatId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_chats.GetValueOrDefault(chatId));
        }
    }

    /// <inheritdoc />
    public Task<Chat?> FindByJoinCodeAsync(string joinCode, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_joinCodes.TryGetValue(joinCode, out var id) ? _chats[id] : null);
        }
    }

    /// <inheritdoc />
    public Task<bool> SetNameAsync(long chatId, string name, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_chats.TryGetValue(chatId, out var chat))
            {
                return Task.FromResult(false);
            }

            _chats[chatId] = chat with { Name = name };
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task<bool> SetJoinCodeAsync(long chatId, string? joinCode, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_chats.TryGetValue(chatId, out var chat))
            {
                return Task.FromResult(false);
            }

            if (joinCode is not null && _joinCodes.TryGetValue(joinCode, out var owner) && owner != chatId)
            {
                throw JoinCodeTaken();
            }

            if (chat.JoinCode is not null)
            {
                _joinCodes.Remove(chat.JoinCode);
            }

            if (joinCode is not null)
            {
                _joinCodes[joinCode] = chatId;
            }

            _chats[chatId] = chat with { JoinCode = joinCode };
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task DeleteAsync(long chatId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_chats.Remove(chatId, out var chat))
            {
                return Task.CompletedTask;
            }

            if (chat.JoinCode is not null)
            {
                _joinCodes.Remove(chat.JoinCode);
            }

            if (chat.Pair is { } pair)
            {
                _privateChats.Remove(pair);
            }

            _members.Remove(chatId);
            _log.Remove(chatId);
            _barred.RemoveWhere(b => b.ChatId == chatId);
            foreach (var ban in _bans.Keys.Where(k => k.ChatId == chatId).ToArray())
            {
                _bans.Remove(ban);
            }

            foreach (var report in _reports.Values.Where(r => r.ChatId == chatId).ToArray())
            {
                _reports.Remove(report.Id);
            }
            _readMarks.Remove(chatId);
            if (_messages.Remove(chatId, out var messages))
            {
                foreach (var message in messages)
                {
                    _messagesById.Remove(message.Id);
                    _reactions.Remove(message.Id);
                    if (message.ClientId is not null)
                    {
                        _clientIds.Remove((chatId, message.SenderId, message.ClientId));
                    }
                }
            }

            return Task.CompletedTask;
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatSummary>> GetSummariesAsync(long userId, ChatKind kind, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var summaries = new List<ChatSummary>();
            foreach (var (chatId, members) in _members)
            {
                var member = members.Find(m => m.UserId == userId);
                var chat = _chats[chatId];
                if (member is null || chat.Kind != kind)
                {
                    continue;
                }

                var last = _messages.TryGetValue(chatId, out var messages) && messages.Count > 0 ? messages[^1] : null;
                var mentions = messages?.Count(m => m.Sequence > member.LastReadSequence && !m.IsDeleted && m.MentionIds.Contains(userId)) ?? 0;
                summaries.Add(new ChatSummary
                {
                    Chat = chat, LastMessage = last, LastReadSequence = member.LastReadSequence, Mentions = mentions, NotifyLevel = member.NotifyLevel, MutedUntil = member.MutedUntil,
                });
            }

            return Task.FromResult<IReadOnlyList<ChatSummary>>(summaries);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<long>> GetChatIdsForUserAsync(long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<long>>(_members.Where(kv => kv.Value.Exists(m => m.UserId == userId)).Select(kv => kv.Key).Order().ToArray());
        }
    }

    /// <inheritdoc />
    public Task<ChatMember?> FindAsync(long chatId, long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var state = _members.GetValueOrDefault(chatId)?.Find(m => m.UserId == userId);
            return Task.FromResult(state?.ToMember(chatId));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatMember>> GetMembersAsync(long chatId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<ChatMember> members = _members.TryGetValue(chatId, out var states)
                ? states.OrderBy(m => m.JoinedAt).ThenBy(m => m.UserId).Select(m => m.ToMember(chatId)).ToArray()
                : [];
            return Task.FromResult(members);
        }
    }

    /// <inheritdoc />
    public Task<bool> AddAsync(long chatId, long userId, ChatRole role, DateTimeOffset joinedAt, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_chats.TryGetValue(chatId, out var chat) || !_members.TryGetValue(chatId, out var members) || members.Exists(m => m.UserId == userId))
            {
                return Task.FromResult(false);
            }

            members.Add(new MemberState(userId, role, joinedAt) { LastReadSequence = chat.LastSequence });
            _barred.Remove((chatId, userId));
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task<bool> RemoveAsync(long chatId, long userId, bool bar, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var removed = _members.TryGetValue(chatId, out var members) && members.RemoveAll(m => m.UserId == userId) > 0;
            if (removed && bar)
            {
                _barred.Add((chatId, userId));
            }

            return Task.FromResult(removed);
        }
    }

    /// <inheritdoc />
    public Task<bool> IsBarredAsync(long chatId, long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_barred.Contains((chatId, userId)));
        }
    }

    /// <inheritdoc />
    public Task<bool> SetNotificationsAsync(long chatId, long userId, ChatNotificationSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        lock (_lock)
        {
            var member = _members.GetValueOrDefault(chatId)?.Find(m => m.UserId == userId);
            if (member is null)
            {
                return Task.FromResult(false);
            }

            (member.NotifyLevel, member.MutedUntil) = (settings.Level, settings.MutedUntil);
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task<bool> SetRoleAsync(long chatId, long userId, ChatRole role, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var member = _members.GetValueOrDefault(chatId)?.Find(m => m.UserId == userId);
            if (member is null)
            {
                return Task.FromResult(false);
            }

            member.Role = role;
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task<bool> MarkReadAsync(long chatId, long userId, long upToSequence, DateTimeOffset readAt, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var member = _members.GetValueOrDefault(chatId)?.Find(m => m.UserId == userId);
            if (member is null || upToSequence <= member.LastMarkedSequence)
            {
                return Task.FromResult(false);
            }

            member.LastMarkedSequence = upToSequence;
            member.LastReadSequence = Math.Max(member.LastReadSequence, upToSequence);
            if (!_readMarks.TryGetValue(chatId, out var marks))
            {
                _readMarks[chatId] = marks = [];
            }

            marks.Add(new ReadMark(chatId, userId, upToSequence, readAt));
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ReadMark>> GetReadMarksAsync(long chatId, long fromSequence, long toSequence, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_readMarks.TryGetValue(chatId, out var marks))
            {
                return Task.FromResult<IReadOnlyList<ReadMark>>([]);
            }

            var inRange = marks.Where(m => m.UpToSequence >= fromSequence && m.UpToSequence <= toSequence);
            var firstBeyond = marks.Where(m => m.UpToSequence > toSequence)
                .GroupBy(m => m.UserId)
                .Select(g => g.MinBy(m => m.UpToSequence)!);
            return Task.FromResult<IReadOnlyList<ReadMark>>(inRange.Concat(firstBeyond).ToArray());
        }
    }

    /// <inheritdoc />
    public async Task<MessageAppendResult> AppendAsync(MessageDraft draft, CancellationToken cancellationToken)
    {
        var result = Append(draft);
        if (result.Created && _scopes is not null && _hasParticipants != false)
        {
            await using var scope = _scopes.CreateAsyncScope();
            var participants = scope.ServiceProvider.GetServices<IChatChangeParticipant>().ToArray();
            _hasParticipants = participants.Length > 0; // Registrations do not change: no scope per send without any.
            if (participants.Length > 0)
            {
                // In the chat's unit, as the EF Core stores' batch holds the chat's lock: a unit that reads the
                // chat and then writes (the push outbox's end) sees this message or runs after its participants.
                var entry = new ChatLogEntry(result.Message.Seq, result.Message, null);
                var units = scope.ServiceProvider.GetService<IChatUnitOfWork>();
                _ = units is null
                    ? await CommittingAsync(participants, entry, cancellationToken).ConfigureAwait(false)
                    : await units.RunAsync(draft.ChatId, token => CommittingAsync(participants, entry, token), cancellationToken).ConfigureAwait(false);
                foreach (var participant in participants)
                {
                    participant.OnCommitted([entry]);
                }
            }
        }

        return result;
    }

    private static async Task<bool> CommittingAsync(IChatChangeParticipant[] participants, ChatLogEntry entry, CancellationToken cancellationToken)
    {
        foreach (var participant in participants)
        {
            await participant.OnCommittingAsync([entry], cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private MessageAppendResult Append(MessageDraft draft)
    {
        lock (_lock)
        {
            var sender = _chats.TryGetValue(draft.ChatId, out var chat) ? _members.GetValueOrDefault(chat.Id)?.Find(m => m.UserId == draft.SenderId) : null;
            if (chat is null || sender is null)
            {
                throw new ChatException(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, "Chat not found.");
            }

            if (draft.ClientId is not null && _clientIds.TryGetValue((draft.ChatId, draft.SenderId, draft.ClientId), out var first))
            {
                return new MessageAppendResult(first, false);
            }

            // A retry of a stored message gets it back above; only a new message is refused.
            RequireMayPost(chat, sender, draft.SentAt);
            RequireClaimable(draft);

            var message = new ChatMessage
            {
                Id = ++_nextMessageId,
                ChatId = draft.ChatId,
                Sequence = chat.LastSequence + 1,
                Seq = chat.Seq + 1,
                SenderId = draft.SenderId,
                Text = draft.Text,
                SentAt = draft.SentAt,
                ClientId = draft.ClientId,
                ReplyToId = draft.ReplyToId,
                AttachmentCount = draft.AttachmentIds.Count,
                MentionIds = draft.MentionIds,
            };
            Claim(draft.AttachmentIds, message.Id);
            _chats[chat.Id] = chat with { LastSequence = message.Sequence, Seq = message.Seq };
            LogOf(chat.Id).Add((message.Seq, message.Id, null));
            if (!_messages.TryGetValue(chat.Id, out var messages))
            {
                _messages[chat.Id] = messages = [];
            }

            messages.Add(message);
            _messagesById[message.Id] = message;
            if (message.ClientId is not null)
            {
                _clientIds[(chat.Id, message.SenderId, message.ClientId)] = message;
            }

            sender.LastReadSequence = Math.Max(sender.LastReadSequence, message.Sequence);

            return new MessageAppendResult(message, true);
        }
    }

    /// <inheritdoc />
    Task<ChatMessage?> IMessageStore.FindByIdAsync(long messageId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_messagesById.GetValueOrDefault(messageId));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatMessage>> GetBeforeAsync(long chatId, long? beforeSequence, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_messages.TryGetValue(chatId, out var messages))
            {
                return Task.FromResult<IReadOnlyList<ChatMessage>>([]);
            }

            // Sequences are 1..n with no gaps, so the message with sequence s sits at index s - 1.
            var end = (int)Math.Min(messages.Count, (beforeSequence ?? long.MaxValue) - 1);
            var start = Math.Max(0, end - limit);
            return Task.FromResult<IReadOnlyList<ChatMessage>>(messages.GetRange(start, Math.Max(0, end - start)).ToArray());
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatMessage>> GetAfterAsync(long chatId, long afterSequence, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_messages.TryGetValue(chatId, out var messages) || afterSequence >= messages.Count)
            {
                return Task.FromResult<IReadOnlyList<ChatMessage>>([]);
            }

            var start = (int)Math.Max(0, afterSequence);
            return Task.FromResult<IReadOnlyList<ChatMessage>>(messages.GetRange(start, Math.Min(limit, messages.Count - start)).ToArray());
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatMessage>> FindByIdsAsync(IReadOnlyCollection<long> messageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ChatMessage>>(messageIds.Distinct().Select(id => _messagesById.GetValueOrDefault(id)).OfType<ChatMessage>().ToArray());
        }
    }

    /// <inheritdoc />
    public Task<bool> UpdateTextAsync(long messageId, string text, IReadOnlyList<long> mentionIds, DateTimeOffset editedAt, string? clientId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_messagesById.TryGetValue(messageId, out var message) && !message.IsDeleted
                && Replace(message with { Text = text, MentionIds = mentionIds, EditedAt = editedAt, EditClientId = clientId }));
        }
    }

    /// <inheritdoc />
    public Task<bool> MarkDeletedAsync(long messageId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_messagesById.TryGetValue(messageId, out var message) || message.IsDeleted)
            {
                return Task.FromResult(false);
            }

            _reactions.Remove(messageId);
            return Task.FromResult(Replace(message with { Text = string.Empty, IsDeleted = true, ReplyToId = null, PinnedAt = null, PinnedByUserId = null, AttachmentCount = 0, MentionIds = [] }));
        }
    }

    /// <inheritdoc />
    public Task<bool> AddReactionAsync(MessageReaction reaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reaction);
        lock (_lock)
        {
            if (!_messagesById.ContainsKey(reaction.MessageId))
            {
                return Task.FromResult(false);
            }

            if (!_reactions.TryGetValue(reaction.MessageId, out var reactions))
            {
                _reactions[reaction.MessageId] = reactions = [];
            }

            if (reactions.Exists(r => r.UserId == reaction.UserId && r.Emoji == reaction.Emoji))
            {
                return Task.FromResult(false);
            }

            reactions.Add(reaction);
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task<bool> RemoveReactionAsync(long messageId, long userId, string emoji, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_reactions.TryGetValue(messageId, out var reactions) && reactions.RemoveAll(r => r.UserId == userId && r.Emoji == emoji) > 0);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ReactionCount>> GetReactionCountsAsync(IReadOnlyCollection<long> messageIds, long viewerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        lock (_lock)
        {
            // Reactions are kept in the order they came, so grouping keeps each emoji's first use first.
            var counts = messageIds.Distinct()
                .SelectMany(id => (_reactions.GetValueOrDefault(id) ?? []).GroupBy(r => r.Emoji, StringComparer.Ordinal)
                    .Select(g => new ReactionCount(id, g.Key, g.Count(), g.Any(r => r.UserId == viewerId))))
                .ToArray();
            return Task.FromResult<IReadOnlyList<ReactionCount>>(counts);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<MessageReaction>> GetReactionsAsync(long messageId, string emoji, long afterUserId, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var reactions = (_reactions.GetValueOrDefault(messageId) ?? [])
                .Where(r => r.Emoji == emoji && r.UserId > afterUserId)
                .OrderBy(r => r.UserId)
                .Take(limit)
                .ToArray();
            return Task.FromResult<IReadOnlyList<MessageReaction>>(reactions);
        }
    }

    /// <inheritdoc />
    public Task<bool> SetPinAsync(long messageId, long? byUserId, DateTimeOffset? at, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // Pinning a pinned (or deleted) message, or unpinning one that is not pinned, changes nothing.
            if (!_messagesById.TryGetValue(messageId, out var message) || (at is not null ? message.PinnedAt is not null || message.IsDeleted : message.PinnedAt is null))
            {
                return Task.FromResult(false);
            }

            return Task.FromResult(Replace(message with { PinnedAt = at, PinnedByUserId = at is null ? null : byUserId }));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatMessage>> GetPinnedAsync(long chatId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var pinned = (_messages.GetValueOrDefault(chatId) ?? [])
                .Where(m => m.PinnedAt is not null)
                .OrderByDescending(m => m.PinnedAt)
                .ThenByDescending(m => m.Id)
                .ToArray();
            return Task.FromResult<IReadOnlyList<ChatMessage>>(pinned);
        }
    }

    /// <summary>Puts a changed message in every index of it (records are immutable). Called under the lock.</summary>
    private bool Replace(ChatMessage message)
    {
        _messagesById[message.Id] = message;
        _messages[message.ChatId][(int)message.Sequence - 1] = message;
        if (message.ClientId is not null)
        {
            _clientIds[(message.ChatId, message.SenderId, message.ClientId)] = message;
        }

        return true;
    }

    /// <inheritdoc />
    Task<long> IChatChangeLog.AppendAsync(ChatChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_lock)
        {
            if (!_chats.TryGetValue(change.ChatId, out var chat))
            {
                return Task.FromResult(0L);
            }

            var seq = chat.Seq + 1;
            _chats[chat.Id] = chat with { Seq = seq };
            // Ids only, as a database keeps them: a replay reads names, the message and counts as they are now.
            LogOf(chat.Id).Add((seq, null, change with { Seq = seq, Members = change.Members.Select(m => m with { UserName = "" }).ToArray(), Message = null, Count = null }));
            return Task.FromResult(seq);
        }
    }

    /// <inheritdoc />
    Task<IReadOnlyList<ChatLogEntry>> IChatChangeLog.GetAfterAsync(long chatId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_log.TryGetValue(chatId, out var log))
            {
                return Task.FromResult<IReadOnlyList<ChatLogEntry>>([]);
            }

            // Numbers are 1..n with no gaps, so change n sits at index n - 1.
            var start = (int)Math.Clamp(afterSeq, 0, log.Count);
            var entries = log.GetRange(start, Math.Min(limit, log.Count - start))
                .Select(e => new ChatLogEntry(e.Seq, e.MessageId is { } id ? _messagesById[id] : null, e.Change))
                .ToArray();
            return Task.FromResult<IReadOnlyList<ChatLogEntry>>(entries);
        }
    }

    /// <inheritdoc />
    Task<IReadOnlyList<ReadPosition>> IChatChangeLog.GetReadPositionsSinceAsync(long chatId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var marks = _readMarks.GetValueOrDefault(chatId) ?? [];
            var messages = _messages.GetValueOrDefault(chatId) ?? [];
            var positions = (_members.GetValueOrDefault(chatId) ?? [])
                .Where(m => m.LastMarkedSequence > 0)
                .Select(m => marks.LastOrDefault(r => r.UserId == m.UserId && r.UpToSequence == m.LastMarkedSequence))
                .Where(r => r is not null && r.ReadAt >= since)
                .Select(r => new ReadPosition(r!.UserId, messages[(int)r.UpToSequence - 1].Id, r.UpToSequence, r.ReadAt))
                .ToArray();
            return Task.FromResult<IReadOnlyList<ReadPosition>>(positions);
        }
    }

    private List<(long Seq, long? MessageId, ChatChange? Change)> LogOf(long chatId)
    {
        if (!_log.TryGetValue(chatId, out var log))
        {
            _log[chatId] = log = [];
        }

        return log;
    }

    private void LogCreation(long chatId, DateTimeOffset createdAt, long? byUserId, IReadOnlyList<ChangedMember> members) =>
        LogOf(chatId).Add((1, null, ChatChanges.Creation(this, chatId, createdAt, byUserId, members)));

    /// <inheritdoc />
    public Task SetLastSeenAsync(long userId, DateTimeOffset lastSeenAt, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _lastSeen[userId] = lastSeenAt;
            return Task.CompletedTask;
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<long, DateTimeOffset>> GetLastSeenAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyDictionary<long, DateTimeOffset> found = userIds.Distinct()
                .Where(_lastSeen.ContainsKey)
                .ToDictionary(id => id, id => _lastSeen[id]);
            return Task.FromResult(found);
        }
    }

    private static ChatException JoinCodeTaken() =>
        new(ChatErrorKind.Conflict, ChatErrorCodes.Duplicate, "The join code is already in use.");

    /// <inheritdoc />
    Task<IReadOnlyDictionary<string, long>> IChatUserKeyStore.GetOrCreateIdsAsync(IReadOnlyCollection<string> userKeys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userKeys);
        lock (_lock)
        {
            var ids = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var key in userKeys)
            {
                if (!_userIdsByKey.TryGetValue(key, out var id))
                {
                    _userIdsByKey[key] = id = ++_nextUserId;
                    _userKeysById[id] = key;
                }

                ids[key] = id;
            }

            return Task.FromResult<IReadOnlyDictionary<string, long>>(ids);
        }
    }

    /// <inheritdoc />
    Task<IReadOnlyDictionary<long, string>> IChatUserKeyStore.FindKeysAsync(IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        lock (_lock)
        {
            IReadOnlyDictionary<long, string> keys = userIds.Distinct()
                .Where(_userKeysById.ContainsKey)
                .ToDictionary(id => id, id => _userKeysById[id]);
            return Task.FromResult(keys);
        }
    }

    /// <inheritdoc />
    Task<IReadOnlyDictionary<long, string>> IChatHandleStore.GetOrCreateHandlesAsync(IReadOnlyDictionary<long, string> proposals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proposals);
        lock (_lock)
        {
            var handles = new Dictionary<long, string>();
            foreach (var (userId, proposal) in proposals)
            {
                if (!_handles.TryGetValue(userId, out var handle))
                {
                    handle = proposal;
                    for (var suffix = 2; _handleOwners.ContainsKey(handle); suffix++)
                    {
                        handle = $"{proposal}{suffix}";
                    }

                    _handles[userId] = handle;
                    _handleOwners[handle] = userId;
                }

                handles[userId] = handle;
            }

            return Task.FromResult<IReadOnlyDictionary<long, string>>(handles);
        }
    }

    /// <inheritdoc />
    Task<IReadOnlyDictionary<string, long>> IChatHandleStore.FindUserIdsAsync(IReadOnlyCollection<string> handles, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handles);
        lock (_lock)
        {
            var owners = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
            foreach (var handle in handles)
            {
                if (_handleOwners.TryGetValue(handle, out var userId))
                {
                    owners[handle] = userId;
                }
            }

            return Task.FromResult<IReadOnlyDictionary<string, long>>(owners);
        }
    }

    /// <inheritdoc />
    Task<IReadOnlyList<ChatHandle>> IChatHandleStore.SearchAsync(string term, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(term);
        lock (_lock)
        {
            IReadOnlyList<ChatHandle> found = _handles
                .Where(h => h.Value.Contains(term, StringComparison.OrdinalIgnoreCase))
                .OrderBy(h => h.Value.ToUpperInvariant(), StringComparer.Ordinal)
                .Take(limit)
                .Select(h => new ChatHandle(h.Key, h.Value))
                .ToList();
            return Task.FromResult(found);
        }
    }

    private sealed class MemberState(long userId, ChatRole role, DateTimeOffset joinedAt)
    {
        public long UserId { get; } = userId;
        public ChatRole Role { get; set; } = role;
        public DateTimeOffset JoinedAt { get; } = joinedAt;
        public long LastReadSequence { get; set; }
        public long LastMarkedSequence { get; set; }
        public NotifyLevel? NotifyLevel { get; set; }
        public DateTimeOffset? MutedUntil { get; set; }
        public MemberMute? Mute { get; set; }

        public ChatMember ToMember(long chatId) => new()
        {
            ChatId = chatId, UserId = UserId, Role = Role, JoinedAt = JoinedAt, LastReadSequence = LastReadSequence, NotifyLevel = NotifyLevel, MutedUntil = MutedUntil,
            Mute = Mute,
        };
    }
}
