using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatEngine;

/// <summary>Sending, read receipts, typing and catch-up: what a live connection does.</summary>
public sealed class MessagingService
{
    private readonly IServiceProvider _services;
    private readonly IMessageStore _messages;
    private readonly IChatEventPublisher _events;
    private readonly ChatMembershipCache _memberships;
    private readonly ChatEngineMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ChatEngineOptions _options;
    private IChatMemberStore? _members;
    private IChatStore? _chats;
    private IChatUserDirectory? _users;
    private ChatAccess? _access;
    private MessageDetails? _details;
    private AttachmentService? _attachments;

    /// <summary>
    /// Takes what every call uses; the rest comes from <paramref name="services"/> (the scope's) on
    /// first use. A transport builds one of these for each send, and a plain text send uses none of
    /// the rest: building them all (the access checks, details and attachments, each with its stores)
    /// was a twentieth of the host's CPU per message under load (profiled).
    /// </summary>
    internal MessagingService(
        IServiceProvider services,
        IMessageStore messages,
        IChatEventPublisher events,
        ChatMembershipCache memberships,
        ChatEngineMetrics metrics,
        TimeProvider time,
        IOptions<ChatEngineOptions> options)
    {
        _services = services;
        _messages = messages;
        _events = events;
        _memberships = memberships;
        _metrics = metrics;
        _time = time;
        _options = options.Value;
    }

    private IChatMemberStore Members => _members ??= _services.GetRequiredService<IChatMemberStore>();

    private IChatStore Chats => _chats ??= _services.GetRequiredService<IChatStore>();

    private IChatUserDirectory Users => _users ??= _services.GetRequiredService<IChatUserDirectory>();

    private ChatAccess Access => _access ??= _services.GetRequiredService<ChatAccess>();

    private MessageDetails Details => _details ??= _services.GetRequiredService<MessageDetails>();

    private AttachmentService Attachments => _attachments ??= _services.GetRequiredService<AttachmentService>();

    /// <summary>
    /// Sends a message as <paramref name="userId"/>. The text is trimmed and must be non-empty and
    /// within the length limit. A repeated <paramref name="clientId"/> returns the first message
    /// (with <see cref="SentMessage.Created"/> false) and broadcasts nothing. The message is
    /// broadcast only after it is committed. A message that carries attachments (ids of the sender's
    /// pending uploads to the chat) may have empty text.
    /// </summary>
    public async Task<SentMessage> SendAsync(
        long userId, long chatId, string? text, string? clientId = null, long? replyToId = null, IReadOnlyList<string>? attachmentIds = null, CancellationToken cancellationToken = default)
    {
        var prepared = await PrepareSendAsync(userId, chatId, new MessageContent(text, clientId, replyToId, attachmentIds), knownSender: null, cancellationToken).ConfigureAwait(false);
        return await CommitAsync(prepared, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The first step of the send pipeline: the checks of a send (text, client id, sender). Nothing is
    /// written. Membership is checked by the store as it appends (see
    /// <see cref="IMessageStore.AppendAsync"/>), in the same transaction, so it is checked at commit
    /// time and costs no read of its own. A transport that already knows the sender (a socket
    /// resolves its user once) passes it in <paramref name="knownSender"/>. A reply names the message it
    /// quotes in <see cref="MessageContent.ReplyTo"/>: one of the same chat, not deleted; its
    /// attachments are pending uploads of the sender to the chat. Commit the result with
    /// <see cref="CommitAsync"/>.
    /// </summary>
    public async Task<PreparedSend> PrepareSendAsync(long userId, long chatId, MessageContent content, ChatUser? knownSender, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        // Checked before queueing: one unstorable message must never reach (and fail) a shared batch.
        var attachmentIds = content.Attachments ?? [];
        var trimmed = MessageText.Validate(content.Text, _options, allowEmpty: attachmentIds.Count > 0);
        var clientId = MessageText.ValidateClientId(content.ClientId, _options);
        var replyPreview = content.ReplyTo is { } quoted ? await Details.RequireQuotableAsync(chatId, quoted, cancellationToken).ConfigureAwait(false) : null;
        var attachments = attachmentIds.Count > 0
            ? await Attachments.RequireSendableAsync(userId, chatId, attachmentIds, clientId, cancellationToken).ConfigureAwait(false)
            : [];

        var sender = knownSender is { } known && known.Id == userId ? known : await Access.RequireUserAsync(userId, cancellationToken).ConfigureAwait(false);
        // Asked here first, so a send that names nobody never builds the details.
        var mentions = MessageMentions.MayMention(trimmed) ? await Details.FindMentionsAsync(chatId, userId, trimmed, cancellationToken).ConfigureAwait(false) : [];
        var draft = new MessageDraft
        {
            ChatId = chatId, SenderId = userId, Text = trimmed, SentAt = _time.GetUtcNow(), ClientId = clientId, ReplyToId = content.ReplyTo,
            AttachmentIds = attachmentIds, MentionIds = mentions,
        };
        return new PreparedSend(draft, sender) { ReplyPreview = replyPreview, Attachments = attachments };
    }

    /// <summary>
    /// Appends a prepared send and publishes it once committed. The store takes the message's place
    /// in line before this method first yields, so a transport that calls it for one connection's
    /// messages in order, without awaiting each commit, keeps their order (a pipelined connection).
    /// </summary>
    public async Task<SentMessage> CommitAsync(PreparedSend prepared, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        var result = await _messages.AppendAsync(prepared.Draft, cancellationToken).ConfigureAwait(false);

        // A store without a change log numbers messages only: their sequence is their number.
        var message = result.Message.Seq == 0 ? result.Message with { Seq = result.Message.Sequence } : result.Message;
        // Claimed in the commit: the files now belong to the message, in the order the sender named them.
        IReadOnlyList<ChatAttachment> attachments = prepared.Attachments.Count == 0 ? [] : prepared.Attachments.Select((a, i) => a with { MessageId = message.Id, Position = i }).ToArray();
        if (result.Created)
        {
            _metrics.MessageCommitted();
            // The message is committed: publishing must not be cancelled half-way by the sender leaving.
            var committed = new MessageCommitted(message, prepared.Sender) { ReplyPreview = prepared.ReplyPreview, Attachments = attachments };
            await _events.PublishAsync(committed, CancellationToken.None).ConfigureAwait(false);
        }

        // A store may complete sends on a loop of its own, in commit order (so events are published in
        // that order, as queued work only); what the caller does next (answering over its transport)
        // runs on the thread pool instead, never on that loop.
        await Task.Yield();
        if (!result.Created && message.AttachmentCount > 0)
        {
            // A retry answers with the first message, whose files may differ from the ones it names.
            attachments = (await Details.GetAttachmentsAsync([message], cancellationToken).ConfigureAwait(false))[message.Id].ToArray();
        }
        else if (!result.Created)
        {
            attachments = [];
        }

        return new SentMessage(message, prepared.Sender, result.Created) { ReplyPreview = prepared.ReplyPreview, Attachments = attachments };
    }

    /// <summary>
    /// Marks the chat read up to <paramref name="upToMessageId"/> for the caller. Returns whether the
    /// read position moved; a read event is published only then.
    /// </summary>
    public async Task<bool> MarkReadAsync(long userId, long chatId, long upToMessageId, CancellationToken cancellationToken = default)
    {
        var (chat, member) = await Access.RequireMemberAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        var message = await _messages.FindByIdAsync(upToMessageId, cancellationToken).ConfigureAwait(false);
        if (message is null || message.ChatId != chatId)
        {
            throw ChatErrors.MessageNotFound();
        }

        return await MarkReadUpToAsync(chat, member, message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Marks the chat read for <paramref name="reader"/> as <see cref="MarkReadAsync"/> does, for
    /// transports that resolved their authenticated user once. Membership and the chat's kind are
    /// answered from memory (see <see cref="ChatMembershipCache"/>), so a mark costs one read (its
    /// message) besides its write, against four. A member removed on another host, before this one
    /// hears of it, marks nothing: the store moves members' positions only.
    /// </summary>
    public async Task<bool> MarkReadByAsync(ChatUser reader, long chatId, long upToMessageId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (!await _memberships.IsMemberAsync(chatId, reader.Id, Members, cancellationToken).ConfigureAwait(false))
        {
            throw ChatErrors.ChatNotFound();
        }

        var message = await _messages.FindByIdAsync(upToMessageId, cancellationToken).ConfigureAwait(false);
        if (message is null || message.ChatId != chatId)
        {
            throw ChatErrors.MessageNotFound();
        }

        var kind = await _memberships.FindKindAsync(chatId, Chats, cancellationToken).ConfigureAwait(false) ?? throw ChatErrors.ChatNotFound();
        return await MarkReadUpToAsync(chatId, kind, reader.Id, reader, message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tells the chat's other connections that the caller is typing.</summary>
    public async Task NotifyTypingAsync(long userId, long chatId, CancellationToken cancellationToken = default)
    {
        if (!await MayTypeAsync(userId, chatId, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var user = await Access.RequireUserAsync(userId, cancellationToken).ConfigureAwait(false);
        await _events.PublishAsync(new UserTyping(chatId, user), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Tells the chat's other connections that <paramref name="typist"/> is typing. For transports
    /// that resolved their authenticated user once: with membership answered from memory, a typing
    /// frame costs no database read.
    /// </summary>
    /// <param name="typist">The authenticated user.</param>
    /// <param name="chatId">The chat.</param>
    /// <param name="shouldDeliver">
    /// Asked once membership is confirmed (so a non-member always hears so): false drops the event,
    /// as the transports' coalescing of one typing per user and chat per interval does.
    /// </param>
    /// <param name="cancellationToken">Cancels the check.</param>
    public async Task NotifyTypingByAsync(ChatUser typist, long chatId, Func<bool>? shouldDeliver = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(typist);
        if (await MayTypeAsync(typist.Id, chatId, cancellationToken).ConfigureAwait(false) && (shouldDeliver is null || shouldDeliver()))
        {
            await _events.PublishAsync(new UserTyping(chatId, typist), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A non-member hears the chat is not found; a muted member's typing is dropped silently.</summary>
    private async ValueTask<bool> MayTypeAsync(long userId, long chatId, CancellationToken cancellationToken)
    {
        var (isMember, isMuted) = await _memberships.FindAsync(chatId, userId, Members, cancellationToken).ConfigureAwait(false);
        return isMember ? !isMuted : throw ChatErrors.ChatNotFound();
    }

    /// <summary>
    /// The messages a reconnecting client missed: those after <paramref name="afterMessageId"/>, oldest
    /// first, at most <paramref name="limit"/> (default: the largest page).
    /// </summary>
    public async Task<IReadOnlyList<MessageCommitted>> GetMessagesAfterAsync(long userId, long chatId, long afterMessageId, int? limit = null, CancellationToken cancellationToken = default)
    {
        await Access.RequireMemberAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        var pageSize = limit ?? _options.MaxPageSize;
        if (pageSize < 1)
        {
            throw ChatErrors.Validation(ChatErrorCodes.InvalidPaging, "limit must be at least 1.");
        }

        long afterSequence = 0;
        if (afterMessageId > 0)
        {
            var after = await _messages.FindByIdAsync(afterMessageId, cancellationToken).ConfigureAwait(false);
            if (after is null || after.ChatId != chatId)
            {
                throw ChatErrors.MessageNotFound();
            }

            afterSequence = after.Sequence;
        }

        var missed = await _messages.GetAfterAsync(chatId, afterSequence, pageSize, cancellationToken).ConfigureAwait(false);
        var senders = await Users.GetByIdsAsync(missed.Select(m => m.SenderId).Distinct().ToArray(), cancellationToken).ConfigureAwait(false);
        var attachments = await Details.GetAttachmentsAsync(missed, cancellationToken).ConfigureAwait(false);
        return missed.Select(m => new MessageCommitted(m, senders.GetValueOrDefault(m.SenderId) ?? ChatAccess.UnknownUser(m.SenderId))
        {
            Attachments = attachments[m.Id].ToArray(),
        }).ToArray();
    }

    internal Task<bool> MarkReadUpToAsync(Chat chat, ChatMember member, ChatMessage message, CancellationToken cancellationToken) =>
        MarkReadUpToAsync(chat.Id, chat.Kind, member.UserId, knownReader: null, message, cancellationToken);

    private async Task<bool> MarkReadUpToAsync(long chatId, ChatKind kind, long readerId, ChatUser? knownReader, ChatMessage message, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (!await Members.MarkReadAsync(chatId, readerId, message.Sequence, now, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var reader = knownReader ?? await Access.RequireUserAsync(readerId, cancellationToken).ConfigureAwait(false);
        await _events.PublishAsync(new MessagesRead(chatId, reader, message.Id, message.Sequence, now) { InPrivateChat = kind == ChatKind.Private }, CancellationToken.None).ConfigureAwait(false);
        return true;
    }
}

/// <summary>
/// A send that passed its checks and waits to be committed (<see cref="MessagingService.CommitAsync"/>).
/// Only <see cref="MessagingService.PrepareSendAsync"/> makes one, so nothing unchecked is committed.
/// </summary>
public sealed class PreparedSend
{
    internal PreparedSend(MessageDraft draft, ChatUser sender) => (Draft, Sender) = (draft, sender);

    /// <summary>The message to append, trimmed and checked.</summary>
    public MessageDraft Draft { get; }

    /// <summary>Its sender, the authenticated user.</summary>
    public ChatUser Sender { get; }

    /// <summary>The quote of the message it replies to, if any.</summary>
    public ReplyPreview? ReplyPreview { get; internal init; }

    /// <summary>The pending uploads it carries, in order.</summary>
    public IReadOnlyList<ChatAttachment> Attachments { get; internal init; } = [];
}

/// <summary>What a sender asks to send: text, and optionally an idempotency key, a quote and files.</summary>
/// <param name="Text">The text; trimmed; may be empty only when the message carries attachments.</param>
/// <param name="ClientId">The sender's idempotency key: a retry with it gets the first message back.</param>
/// <param name="ReplyTo">The message of the same chat it quotes.</param>
/// <param name="Attachments">Ids of the sender's pending uploads to the chat.</param>
public sealed record MessageContent(string? Text, string? ClientId = null, long? ReplyTo = null, IReadOnlyList<string>? Attachments = null);
