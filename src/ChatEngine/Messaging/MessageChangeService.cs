using Microsoft.Extensions.Options;

namespace ChatEngine;

/// <summary>
/// Messages that change after they are sent: edits, deletions, reactions and pins. Each is a numbered
/// change of its chat (see <see cref="IChatChangeLog"/>), made in the chat's unit of work, published
/// once committed, and replayed by catch-up as the message is now. Needs a message store that
/// implements <see cref="IMessageChangeStore"/> (the built-in ones do).
/// </summary>
public sealed class MessageChangeService
{
    private readonly IMessageStore _messages;
    private readonly IChatMemberStore _members;
    private readonly IChatUserDirectory _users;
    private readonly IChatEventPublisher _events;
    private readonly ChatAccess _access;
    private readonly IChatUnitOfWork _units;
    private readonly ChatChangeRecorder _recorder;
    private readonly MessageDetails _details;
    private readonly AttachmentService _attachments;
    private readonly TimeProvider _time;
    private readonly ChatEngineOptions _options;

    internal MessageChangeService(
        IMessageStore messages,
        IChatMemberStore members,
        IChatUserDirectory users,
        IChatEventPublisher events,
        ChatAccess access,
        IChatUnitOfWork units,
        ChatChangeRecorder recorder,
        MessageDetails details,
        AttachmentService attachments,
        TimeProvider time,
        IOptions<ChatEngineOptions> options)
    {
        _attachments = attachments;
        _messages = messages;
        _members = members;
        _users = users;
        _events = events;
        _access = access;
        _units = units;
        _recorder = recorder;
        _details = details;
        _time = time;
        _options = options.Value;
    }

    private IMessageChangeStore Store => _details.Changes ?? throw new NotSupportedException(
        $"The message store ({_messages.GetType().Name}) does not implement IMessageChangeStore, so messages cannot be edited, deleted, reacted to or pinned.");

    /// <summary>One message of a chat, as its history shows it to the caller.</summary>
    public async Task<MessageView> GetMessageAsync(long userId, long chatId, long messageId, CancellationToken cancellationToken = default)
    {
        await _access.RequireMemberAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        var message = await RequireMessageAsync(chatId, messageId, cancellationToken).ConfigureAwait(false);
        return (await ViewsAsync([message], userId, cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>
    /// Replaces the text of the caller's own message (the rules of a new message apply). Nothing
    /// changes, and no number is taken, when the text is the same or <paramref name="clientId"/>
    /// repeats the message's last edit (a retry).
    /// </summary>
    public async Task<MessageEdit> EditAsync(long userId, long chatId, long messageId, string? text, string? clientId = null, CancellationToken cancellationToken = default)
    {
        if (!_options.Messages.AllowEdit)
        {
            throw ChatErrors.Forbidden(ChatErrorCodes.EditingDisabled, "Editing messages is turned off.");
        }

        // Only a message with files may lose all its text: known once the message is read.
        var trimmed = MessageText.Validate(text, _options, allowEmpty: true);
        clientId = MessageText.ValidateClientId(clientId, _options);
        var store = Store;
        var (message, changed) = await _units.RunAsync(chatId, async token =>
        {
            await _access.RequireMayPostAsync(userId, chatId, blocksApply: false, token).ConfigureAwait(false);
            var message = await RequireMessageAsync(chatId, messageId, token).ConfigureAwait(false);
            if (message.SenderId != userId)
            {
                throw ChatErrors.Forbidden(ChatErrorCodes.NotAuthor, "Only the author of a message can edit it.");
            }

            if (message.IsDeleted)
            {
                throw ChatErrors.MessageDeleted();
            }

            if (trimmed.Length == 0 && message.AttachmentCount == 0)
            {
                throw MessageText.EmptyText();
            }

            if (clientId is not null && clientId == message.EditClientId)
            {
                return (message, (ChatChanged?)null);
            }

            var now = _time.GetUtcNow();
            if (_options.Messages.EditWindow is { } window && now - message.SentAt > window)
            {
                throw ChatErrors.Forbidden(ChatErrorCodes.EditWindowClosed, $"Messages can be edited for {Describe(window)} after they are sent.");
            }

            if (message.Text == trimmed)
            {
                return (message, null);
            }

            // Mentions are found again: the members are who they are now.
            var mentions = await _details.FindMentionsAsync(chatId, userId, trimmed, token).ConfigureAwait(false);
            if (!await store.UpdateTextAsync(messageId, trimmed, mentions, now, clientId, token).ConfigureAwait(false))
            {
                return (message, null);
            }

            var edited = message with { Text = trimmed, MentionIds = mentions, EditedAt = now, EditClientId = clientId };
            var change = new ChatChange
            {
                ChatId = chatId, Kind = ChatChangeKind.MessageUpdated, Time = now, ByUserId = userId, MessageId = messageId, ClientId = clientId, Message = edited,
            };
            return (edited, (ChatChanged?)await RecordAsync(change, token).ConfigureAwait(false));
        }, cancellationToken).ConfigureAwait(false);

        await PublishAsync(changed).ConfigureAwait(false);
        return new MessageEdit((await ViewsAsync([message], userId, cancellationToken).ConfigureAwait(false))[0], changed?.Change);
    }

    /// <summary>
    /// Deletes a message: its author may (within <see cref="ChatMessageOptions.DeleteWindow"/>), and so
    /// may a group's admins (<see cref="ChatMessageOptions.AdminsMayDeleteAny"/>). It stays as a
    /// tombstone. Deleting a deleted message changes nothing.
    /// </summary>
    /// <returns>Whether this call deleted it.</returns>
    public Task<bool> DeleteAsync(long userId, long chatId, long messageId, CancellationToken cancellationToken = default) =>
        DeleteAsync(userId, chatId, messageId, forHost: false, cancellationToken);

    /// <summary>
    /// Deletes a message of any chat, private ones included, for the host's own moderators: nothing here
    /// checks who asks (the host decides who may), and the users' rules (<see cref="ChatMessageOptions.AllowDelete"/>,
    /// the delete window) do not apply. Members see a <c>message_deleted</c> change whose <c>by</c> is
    /// <paramref name="moderatorId"/>. Deleting a deleted message changes nothing.
    /// </summary>
    /// <returns>Whether this call deleted it.</returns>
    public Task<bool> DeleteForHostAsync(long moderatorId, long chatId, long messageId, CancellationToken cancellationToken = default) =>
        DeleteAsync(moderatorId, chatId, messageId, forHost: true, cancellationToken);

    private async Task<bool> DeleteAsync(long byUserId, long chatId, long messageId, bool forHost, CancellationToken cancellationToken)
    {
        var store = Store;
        IReadOnlyList<ChatAttachment> removedFiles = [];
        var changed = await _units.RunAsync(chatId, async token =>
        {
            // Membership first: whether a message exists is for the chat's members to know.
            var membership = forHost ? default : await _access.RequireMemberAsync(byUserId, chatId, token).ConfigureAwait(false);
            var message = await RequireMessageAsync(chatId, messageId, token).ConfigureAwait(false);
            if (message.IsDeleted)
            {
                return null;
            }

            if (!forHost)
            {
                RequireMayDelete(membership.Chat, membership.Member, message);
            }

            if (!await store.MarkDeletedAsync(messageId, token).ConfigureAwait(false))
            {
                return null;
            }

            if (message.AttachmentCount > 0 && _attachments.Records is { } records)
            {
                removedFiles = await records.RemoveByMessageAsync(messageId, token).ConfigureAwait(false);
            }

            var change = new ChatChange
            {
                ChatId = chatId, Kind = ChatChangeKind.MessageDeleted, Time = _time.GetUtcNow(), ByUserId = byUserId, MessageId = messageId, Message = Tombstone(message),
            };
            return await RecordAsync(change, token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        // The records went with the deletion's commit; the bytes follow it.
        await _attachments.DeleteFilesAsync(removedFiles).ConfigureAwait(false);
        await PublishAsync(changed).ConfigureAwait(false);
        return changed is not null;
    }

    /// <summary>The users' rules: the author within the window, or a group's admin when admins may.</summary>
    private void RequireMayDelete(Chat chat, ChatMember member, ChatMessage message)
    {
        if (!_options.Messages.AllowDelete)
        {
            throw ChatErrors.Forbidden(ChatErrorCodes.DeletingDisabled, "Deleting messages is turned off.");
        }

        var asAdmin = chat.Kind == ChatKind.Group && member.IsAdmin && _options.Messages.AdminsMayDeleteAny;
        if (!asAdmin && message.SenderId != member.UserId)
        {
            throw ChatErrors.Forbidden(ChatErrorCodes.NotAuthor, chat.Kind == ChatKind.Group && _options.Messages.AdminsMayDeleteAny
                ? "Only the author of a message, or an admin of the group, can delete it."
                : "Only the author of a message can delete it.");
        }

        if (!asAdmin && _options.Messages.DeleteWindow is { } window && _time.GetUtcNow() - message.SentAt > window)
        {
            throw ChatErrors.Forbidden(ChatErrorCodes.DeleteWindowClosed, $"Messages can be deleted for {Describe(window)} after they are sent.");
        }
    }

    /// <summary>
    /// Adds (<paramref name="on"/>) or removes the caller's reaction to a message. Adding one the caller
    /// has, or removing one they have not, changes nothing and takes no number.
    /// </summary>
    public async Task<MessageReactionResult> ReactAsync(long userId, long chatId, long messageId, string? emoji, bool on, CancellationToken cancellationToken = default)
    {
        var valid = ReactionEmoji.Validate(emoji, _options.Reactions);
        var store = Store;
        var (count, changed) = await _units.RunAsync(chatId, async token =>
        {
            await _access.RequireMayPostAsync(userId, chatId, blocksApply: true, token).ConfigureAwait(false);
            var message = await RequireMessageAsync(chatId, messageId, token).ConfigureAwait(false);
            if (message.IsDeleted)
            {
                return on ? throw ChatErrors.MessageDeleted() : (0, (ChatChanged?)null);
            }

            var reactions = await store.GetReactionCountsAsync([messageId], userId, token).ConfigureAwait(false);
            var current = reactions.FirstOrDefault(r => r.Emoji == valid);
            var now = _time.GetUtcNow();
            if (on)
            {
                if (current?.Me == true)
                {
                    return (current.Count, null);
                }

                if (reactions.Count(r => r.Me) >= _options.Reactions.MaxPerUser)
                {
                    throw ChatErrors.Validation(ChatErrorCodes.TooManyReactions, $"You can react to a message with at most {_options.Reactions.MaxPerUser} different emoji.");
                }

                if (current is null && reactions.Count >= _options.Reactions.MaxDistinct)
                {
                    throw ChatErrors.Validation(ChatErrorCodes.TooManyReactions, $"A message can hold at most {_options.Reactions.MaxDistinct} different reactions.");
                }

                if (!await store.AddReactionAsync(new MessageReaction(chatId, messageId, userId, valid, now), token).ConfigureAwait(false))
                {
                    return (current?.Count ?? 1, null);
                }
            }
            else if (current?.Me != true || !await store.RemoveReactionAsync(messageId, userId, valid, token).ConfigureAwait(false))
            {
                return (current?.Count ?? 0, null);
            }

            var count = (current?.Count ?? 0) + (on ? 1 : -1);
            var change = new ChatChange
            {
                ChatId = chatId, Kind = ChatChangeKind.ReactionChanged, Time = now, ByUserId = userId, MessageId = messageId,
                Emoji = valid, On = on, Count = count, Members = [new ChangedMember(userId, ChatRole.Member)],
            };
            return (count, (ChatChanged?)await RecordAsync(change, token).ConfigureAwait(false));
        }, cancellationToken).ConfigureAwait(false);

        await PublishAsync(changed).ConfigureAwait(false);
        return new MessageReactionResult(valid, count, on, changed?.Change);
    }

    /// <summary>
    /// Removes an erased user's reaction, with its event, whatever they may do in the chat now (a
    /// muted or blocked user's data is erased all the same).
    /// </summary>
    internal async Task RemoveErasedReactionAsync(MessageReaction reaction, CancellationToken cancellationToken)
    {
        var store = Store;
        var changed = await _units.RunAsync(reaction.ChatId, async token =>
        {
            if (!await store.RemoveReactionAsync(reaction.MessageId, reaction.UserId, reaction.Emoji, token).ConfigureAwait(false))
            {
                return null;
            }

            var left = (await store.GetReactionCountsAsync([reaction.MessageId], reaction.UserId, token).ConfigureAwait(false)).FirstOrDefault(r => r.Emoji == reaction.Emoji);
            var change = new ChatChange
            {
                ChatId = reaction.ChatId, Kind = ChatChangeKind.ReactionChanged, Time = _time.GetUtcNow(), ByUserId = reaction.UserId, MessageId = reaction.MessageId,
                Emoji = reaction.Emoji, On = false, Count = left?.Count ?? 0, Members = [new ChangedMember(reaction.UserId, ChatRole.Member)],
            };
            return (ChatChanged?)await RecordAsync(change, token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await PublishAsync(changed).ConfigureAwait(false);
    }

    /// <summary>The users who reacted to a message with <paramref name="emoji"/>, in user id order, after <paramref name="afterUserId"/>.</summary>
    public async Task<ReactorsPage> GetReactorsAsync(long userId, long chatId, long messageId, string? emoji, long afterUserId = 0, int? limit = null, CancellationToken cancellationToken = default)
    {
        var pageSize = limit ?? _options.DefaultPageSize;
        if (pageSize < 1 || pageSize > _options.MaxPageSize)
        {
            throw ChatErrors.Validation(ChatErrorCodes.InvalidPaging, $"limit must be between 1 and {_options.MaxPageSize}.");
        }

        // Any well-formed emoji may be asked about (one no longer allowed may still be on old messages).
        if (emoji is null || !ReactionEmoji.IsWellFormed(emoji))
        {
            throw ReactionEmoji.NotOne();
        }

        await _access.RequireMemberAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        await RequireMessageAsync(chatId, messageId, cancellationToken).ConfigureAwait(false);
        var reactions = await Store.GetReactionsAsync(messageId, emoji, afterUserId, pageSize + 1, cancellationToken).ConfigureAwait(false);
        var page = reactions.Take(pageSize).ToArray();
        var users = await _users.GetByIdsAsync(page.Select(r => r.UserId).ToArray(), cancellationToken).ConfigureAwait(false);
        return new ReactorsPage(
            page.Select(r => new Reactor(users.GetValueOrDefault(r.UserId) ?? ChatAccess.UnknownUser(r.UserId), r.At)).ToArray(),
            reactions.Count > pageSize);
    }

    /// <summary>
    /// Pins or unpins a message: either member of a private chat, a group's admins (and its members when
    /// <see cref="ChatPinOptions.MembersMayPinInGroups"/>). Pinning a pinned message changes nothing.
    /// </summary>
    /// <returns>Whether this call changed it.</returns>
    public async Task<bool> PinAsync(long userId, long chatId, long messageId, bool pinned, CancellationToken cancellationToken = default)
    {
        var store = Store;
        var changed = await _units.RunAsync(chatId, async token =>
        {
            var (chat, member) = await _access.RequireMayPostAsync(userId, chatId, blocksApply: false, token).ConfigureAwait(false);
            if (chat.Kind == ChatKind.Group && !member.IsAdmin && !_options.Pins.MembersMayPinInGroups)
            {
                throw ChatErrors.NotAdmin();
            }

            var message = await RequireMessageAsync(chatId, messageId, token).ConfigureAwait(false);
            if (message.IsDeleted && pinned)
            {
                throw ChatErrors.MessageDeleted();
            }

            if (pinned == message.PinnedAt is not null)
            {
                return null;
            }

            if (pinned && (await store.GetPinnedAsync(chatId, token).ConfigureAwait(false)).Count >= _options.Pins.MaxPerChat)
            {
                throw ChatErrors.Validation(ChatErrorCodes.TooManyPins, $"A chat can have at most {_options.Pins.MaxPerChat} pinned messages; unpin one first.");
            }

            var now = _time.GetUtcNow();
            if (!await store.SetPinAsync(messageId, pinned ? userId : null, pinned ? now : null, token).ConfigureAwait(false))
            {
                return null;
            }

            var change = new ChatChange
            {
                ChatId = chatId, Kind = ChatChangeKind.PinChanged, Time = now, ByUserId = userId, MessageId = messageId, On = pinned,
                Message = message with { PinnedAt = pinned ? now : null, PinnedByUserId = pinned ? userId : null },
            };
            return await RecordAsync(change, token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        await PublishAsync(changed).ConfigureAwait(false);
        return changed is not null;
    }

    /// <summary>A chat's pinned messages, the newest pin first.</summary>
    public async Task<IReadOnlyList<MessageView>> GetPinnedAsync(long userId, long chatId, CancellationToken cancellationToken = default)
    {
        await _access.RequireMemberAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        var pinned = await Store.GetPinnedAsync(chatId, cancellationToken).ConfigureAwait(false);
        return pinned.Count == 0 ? [] : await ViewsAsync(pinned, userId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A message as a tombstone shows it.</summary>
    internal static ChatMessage Tombstone(ChatMessage message) =>
        message with { Text = string.Empty, IsDeleted = true, ReplyToId = null, PinnedAt = null, PinnedByUserId = null, AttachmentCount = 0, MentionIds = [] };

    private async Task<ChatMessage> RequireMessageAsync(long chatId, long messageId, CancellationToken cancellationToken)
    {
        var message = await _messages.FindByIdAsync(messageId, cancellationToken).ConfigureAwait(false);
        return message is not null && message.ChatId == chatId ? message : throw ChatErrors.MessageNotFound();
    }

    /// <summary>Numbers the change in the chat's log; everyone in the chat hears of it.</summary>
    private async Task<ChatChanged> RecordAsync(ChatChange change, CancellationToken cancellationToken)
    {
        var members = await _members.GetMembersAsync(change.ChatId, cancellationToken).ConfigureAwait(false);
        return await _recorder.RecordAsync(change, members.Select(m => m.UserId).ToArray(), cancellationToken).ConfigureAwait(false);
    }

    private Task<IReadOnlyList<MessageView>> ViewsAsync(IReadOnlyList<ChatMessage> messages, long viewerId, CancellationToken cancellationToken) =>
        _details.ViewsAsync(messages[0].ChatId, messages, known: null, viewerId, cancellationToken);

    // Committed: telling clients must not be cancelled half-way.
    private async Task PublishAsync(ChatChanged? changed)
    {
        if (changed is not null)
        {
            await _events.PublishAsync(changed, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static string Describe(TimeSpan window) =>
        window.TotalDays >= 1 ? $"{window.TotalDays:0.#} days" : window.TotalHours >= 1 ? $"{window.TotalHours:0.#} hours" : $"{window.TotalMinutes:0.#} minutes";
}

/// <summary>What an edit gave: the message as it is now, and the change this call made (<see langword="null"/> when none).</summary>
public sealed record MessageEdit(MessageView Message, ChatChange? Change)
{
    /// <summary>Whether this call changed the message.</summary>
    public bool Changed => Change is not null;
}

/// <summary>What adding or removing a reaction gave: the emoji's count now, and whether this call changed it.</summary>
/// <param name="Emoji">The emoji.</param>
/// <param name="Count">How many users reacted with it now.</param>
/// <param name="Me">Whether the caller is one of them (what they asked for).</param>
/// <param name="Change">The change this call made; <see langword="null"/> when it changed nothing.</param>
public sealed record MessageReactionResult(string Emoji, int Count, bool Me, ChatChange? Change)
{
    /// <summary>Whether this call changed anything.</summary>
    public bool Changed => Change is not null;
}

/// <summary>A user who reacted, and when.</summary>
public sealed record Reactor(ChatUser User, DateTimeOffset At);

/// <summary>A page of the users who reacted with one emoji.</summary>
public sealed record ReactorsPage(IReadOnlyList<Reactor> Users, bool HasMore);
