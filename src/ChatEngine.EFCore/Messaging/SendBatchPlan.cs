namespace ChatEngine.EntityFrameworkCore;

/// <summary>What became of one send of a batch: its message (new or, for a repeated client id, the first), or its own error.</summary>
internal readonly record struct SendOutcome(MessageAppendResult? Result, ChatException? Error)
{
    public static SendOutcome Failed(ChatException error) => new(null, error);
}

/// <summary>What may refuse a member's send: an admin's mute of them, or what closed their private chat.</summary>
internal readonly record struct SenderStanding(MemberMute? Mute, PrivateChatClosure Closure)
{
    public static readonly SenderStanding Clear = new(null, PrivateChatClosure.None);
}

/// <summary>Why nothing more can be sent in a private chat (the values the send query computes).</summary>
internal enum PrivateChatClosure
{
    None = 0,
    Blocked = 1,
    UserErased = 2,
}

/// <summary>
/// The decisions of one group-commit batch, apart from any database, so they can be checked alone:
/// which sends are by members, which repeat a client id (stored before, or earlier in the batch),
/// how many sequence numbers each chat needs, which message rows to insert with which numbers, and
/// finally each send's outcome. The writer runs the queries the plan asks for and feeds it the answers.
/// </summary>
internal sealed class SendBatchPlan
{
    private readonly IReadOnlyList<MessageDraft> _sends;
    private readonly IReadOnlyList<string>? _searchTexts;
    private readonly SendOutcome?[] _outcomes;

    // Sends that insert a row, by chat, in send order; and for repeats (rare), the send they repeat.
    private readonly Dictionary<long, List<int>> _freshByChat = [];
    private Dictionary<int, int>? _repeats;

    // The rows to insert, in order, and the send of each (lists side by side, not a dictionary by
    // send: the write loop makes a plan for every batch).
    private readonly List<MessageEntity> _rows;
    private readonly List<int> _rowSends;
    private ChatMessage[]? _messages; // The rows as the core's messages, made once their ids are set.

    /// <param name="sends">The batch's sends, in queue order.</param>
    /// <param name="searchTexts">Each send's text as normalized for search, when its sender worked it out; otherwise done here.</param>
    public SendBatchPlan(IReadOnlyList<MessageDraft> sends, IReadOnlyList<string>? searchTexts = null)
    {
        _sends = sends;
        _searchTexts = searchTexts;
        _outcomes = new SendOutcome?[sends.Count];
        _rows = new(sends.Count);
        _rowSends = new(sends.Count);
    }

    public IEnumerable<long> ChatIds => _sends.Select(s => s.ChatId).Distinct();

    public IEnumerable<long> SenderIds => _sends.Select(s => s.SenderId).Distinct();

    /// <summary>The (chat, sender) pairs whose membership decides the batch's sends.</summary>
    public IEnumerable<(long ChatId, long SenderId)> MemberKeys() => _sends.Select(s => (s.ChatId, s.SenderId)).Distinct();

    /// <summary>Whether any of the batch's sends names a file (most batches: none, and no file query or claim is made).</summary>
    public bool NamesFiles => _sends.Any(s => s.AttachmentIds.Count > 0);

    /// <summary>The attachments the batch's sends name.</summary>
    public string[] AttachmentIds() =>
        NamesFiles ? _sends.SelectMany(s => s.AttachmentIds).Distinct(StringComparer.Ordinal).ToArray() : [];

    /// <summary>The (chat, sender, client id) keys whose stored messages the batch may repeat.</summary>
    public (long ChatId, long SenderId, string ClientId)[] ClientIdKeys() =>
        _sends.Where(s => s.ClientId is not null).Select(s => (s.ChatId, s.SenderId, s.ClientId!)).Distinct().ToArray();

    /// <summary>
    /// Sorts the sends with what the database said: a send by a non-member fails, one that repeats a
    /// stored client id gets that message back, a new one by a muted member or across a block fails,
    /// one that repeats a client id earlier in the batch
    /// will get what that one gets, one naming a file that is not a pending upload of its sender to its
    /// chat (or that an earlier send of the batch claims) fails, and the rest need a sequence number each.
    /// </summary>
    /// <param name="members">The (chat, user) pairs that are memberships, with what may refuse the sender.</param>
    /// <param name="stored">The stored messages the batch's client ids name.</param>
    /// <param name="pendingAttachments">The pending uploads the batch names, by id: their chat and uploader.</param>
    public void Admit(
        IReadOnlyDictionary<(long ChatId, long UserId), SenderStanding> members,
        IReadOnlyDictionary<(long, long, string), ChatMessage> stored,
        IReadOnlyDictionary<string, (long ChatId, long UploaderId)>? pendingAttachments = null)
    {
        var firstByClientId = new Dictionary<(long, long, string), int>();
        HashSet<string>? claimed = null; // Made for the first send with files: most batches have none.
        for (var i = 0; i < _sends.Count; i++)
        {
            var send = _sends[i];
            if (!members.TryGetValue((send.ChatId, send.SenderId), out var standing))
            {
                _outcomes[i] = SendOutcome.Failed(ChatNotFound());
                continue;
            }

            if (send.ClientId is { } clientId)
            {
                var key = (send.ChatId, send.SenderId, clientId);
                if (stored.TryGetValue(key, out var message))
                {
                    _outcomes[i] = new SendOutcome(new MessageAppendResult(message, Created: false), null);
                    continue;
                }

                if (!firstByClientId.TryAdd(key, i))
                {
                    (_repeats ??= [])[i] = firstByClientId[key];
                    continue;
                }
            }

            // A retry of a stored message got it back above; only a new message is refused.
            if (standing.Mute is { } mute && mute.IsActiveAt(send.SentAt))
            {
                _outcomes[i] = SendOutcome.Failed(new ChatException(ChatErrorKind.Forbidden, ChatErrorCodes.Muted, "An admin muted you in this group.") { Until = mute.Until });
                continue;
            }

            if (standing.Closure != PrivateChatClosure.None)
            {
                _outcomes[i] = SendOutcome.Failed(standing.Closure == PrivateChatClosure.Blocked
                    ? new ChatException(ChatErrorKind.Forbidden, ChatErrorCodes.Blocked, "A block stands between you and this user.")
                    : new ChatException(ChatErrorKind.Forbidden, ChatErrorCodes.UserErased, "The other user erased their data: nothing more can be sent here."));
                continue;
            }

            if (send.AttachmentIds.Count > 0 && !Claim(send, pendingAttachments, claimed ??= new HashSet<string>(StringComparer.Ordinal)))
            {
                _outcomes[i] = SendOutcome.Failed(new ChatException(
                    ChatErrorKind.Validation, ChatErrorCodes.InvalidAttachment, "An attachment of this message is no longer a pending upload of yours to this chat."));
                continue;
            }

            (_freshByChat.TryGetValue(send.ChatId, out var sends) ? sends : _freshByChat[send.ChatId] = []).Add(i);
        }
    }

    private static bool Claim(MessageDraft send, IReadOnlyDictionary<string, (long ChatId, long UploaderId)>? pending, HashSet<string> claimed)
    {
        foreach (var id in send.AttachmentIds)
        {
            if (pending is null || !pending.TryGetValue(id, out var owner) || owner != (send.ChatId, send.SenderId) || claimed.Contains(id))
            {
                return false;
            }
        }

        claimed.UnionWith(send.AttachmentIds);
        return true;
    }

    /// <summary>The files to give to the new messages once their rows have ids: (attachment, message, position).</summary>
    public IEnumerable<(string AttachmentId, long MessageId, int Position)> Claims() =>
        _rows.SelectMany((row, r) => _sends[_rowSends[r]].AttachmentIds.Select((id, position) => (id, row.Id, position)));

    /// <summary>How many sequence numbers each chat needs (chats with no new message are left out).</summary>
    public IReadOnlyDictionary<long, int> SequencesNeeded() => _freshByChat.ToDictionary(c => c.Key, c => c.Value.Count);

    /// <summary>
    /// Numbers each chat's new messages, in send order, ending at the chat's reserved last sequence
    /// and last change number (a chat's messages of one batch take consecutive numbers of both);
    /// sends to a chat that is gone fail. Returns the rows to insert.
    /// </summary>
    public IReadOnlyCollection<MessageEntity> Number(IReadOnlyDictionary<long, ReservedNumbers> reserved)
    {
        foreach (var (chatId, sends) in _freshByChat)
        {
            if (!reserved.TryGetValue(chatId, out var last))
            {
                foreach (var i in sends)
                {
                    _outcomes[i] = SendOutcome.Failed(ChatNotFound());
                }

                continue;
            }

            var sequence = last.LastSequence - sends.Count;
            var seq = last.LastSeq - sends.Count;
            foreach (var i in sends)
            {
                var send = _sends[i];
                _rowSends.Add(i);
                _rows.Add(new MessageEntity
                {
                    ChatId = send.ChatId,
                    Sequence = ++sequence,
                    Seq = ++seq,
                    SenderId = send.SenderId,
                    Text = send.Text,
                    SentAt = EntityTime.ToStored(send.SentAt),
                    ClientId = send.ClientId,
                    ReplyToId = send.ReplyToId,
                    AttachmentCount = send.AttachmentIds.Count,
                    Mentions = MentionList.Format(send.MentionIds),
                    SearchText = _searchTexts?[i] ?? ChatSearchText.Normalize(send.Text),
                });
            }
        }

        return _rows;
    }

    /// <summary>The batch's new messages as change-log entries, by chat and number, once the rows are inserted (their ids set).</summary>
    public ChatLogEntry[] NewEntries()
    {
        var messages = Messages();
        var entries = new ChatLogEntry[messages.Length];
        for (var r = 0; r < entries.Length; r++)
        {
            entries[r] = new ChatLogEntry(messages[r].Seq, messages[r], null);
        }

        // The rows go chat by chat, each chat's in its order; the chats are put in order of their ids.
        Array.Sort(entries, static (a, b) => a.Message!.ChatId != b.Message!.ChatId ? a.Message.ChatId.CompareTo(b.Message.ChatId) : a.Seq.CompareTo(b.Seq));
        return entries;
    }

    /// <summary>Each send's outcome, once the rows are inserted (their ids set) and committed.</summary>
    public SendOutcome[] Outcomes()
    {
        var messages = Messages();
        for (var r = 0; r < messages.Length; r++)
        {
            _outcomes[_rowSends[r]] = new SendOutcome(new MessageAppendResult(messages[r], Created: true), null);
        }

        var outcomes = new SendOutcome[_sends.Count];
        for (var i = 0; i < outcomes.Length; i++)
        {
            outcomes[i] = _outcomes[i] ?? Repeat(_outcomes[_repeats![i]]!.Value);
        }

        return outcomes;
    }

    // The change participants and the outcomes share one message per row, not a copy each.
    private ChatMessage[] Messages() => _messages ??= _rows.Select(row => row.ToMessage()).ToArray();

    // A repeat of a send in the same batch gets that send's message (not created by it), or its error.
    private static SendOutcome Repeat(SendOutcome first) =>
        first.Result is { } result ? new SendOutcome(result with { Created = false }, null) : first;

    private static ChatException ChatNotFound() => new(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, "Chat not found.");
}

/// <summary>A chat's last message sequence and last change number after a batch reserved its share of both.</summary>
internal readonly record struct ReservedNumbers(long LastSequence, long LastSeq);
