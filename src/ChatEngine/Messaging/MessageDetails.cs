using Microsoft.Extensions.Options;

namespace ChatEngine;

/// <summary>
/// What a message shows besides itself: the quote of the message it replies to (read when shown, so it
/// follows edits and deletes) and its reactions, counted; one query each for a whole page.
/// </summary>
internal sealed class MessageDetails(IMessageStore messages, IChatMemberStore members, IChatUserDirectory users, IChatModerationStore? moderation, IOptions<ChatEngineOptions> options)
{
    private static readonly IReadOnlyDictionary<long, ReplyPreview> NoPreviews = new Dictionary<long, ReplyPreview>();

    private readonly ChatMessageOptions _options = options.Value.Messages;

    /// <summary>The store's message changes, when it keeps them (see <see cref="IMessageChangeStore"/>).</summary>
    public IMessageChangeStore? Changes => messages as IMessageChangeStore;

    /// <summary>
    /// Who <paramref name="text"/> mentions among the chat's members other than <paramref name="authorId"/>.
    /// A text without an <c>@</c> (most of them) costs nothing; one with reads the members and their names.
    /// </summary>
    public async ValueTask<IReadOnlyList<long>> FindMentionsAsync(long chatId, long authorId, string text, CancellationToken cancellationToken)
    {
        if (!MessageMentions.MayMention(text))
        {
            return [];
        }

        var others = (await members.GetMembersAsync(chatId, cancellationToken).ConfigureAwait(false)).Select(m => m.UserId).Where(id => id != authorId).ToArray();
        if (others.Length == 0)
        {
            return [];
        }

        var names = await users.GetByIdsAsync(others, cancellationToken).ConfigureAwait(false);
        var mentioned = MessageMentions.Parse(text, names.Values, _options.MaxMentions);
        if (mentioned.Count == 0 || moderation is null)
        {
            return mentioned;
        }

        // A mention by someone the member blocked neither counts nor notifies: it is not recorded at all.
        var blockers = await moderation.GetBlockersAsync(authorId, mentioned, cancellationToken).ConfigureAwait(false);
        return blockers.Count == 0 ? mentioned : mentioned.Where(id => !blockers.Contains(id)).ToArray();
    }

    /// <summary>The quote a new reply carries: the quoted message must be of the same chat and not deleted.</summary>
    public async Task<ReplyPreview> RequireQuotableAsync(long chatId, long messageId, CancellationToken cancellationToken)
    {
        var quoted = await messages.FindByIdAsync(messageId, cancellationToken).ConfigureAwait(false);
        if (quoted is null || quoted.ChatId != chatId)
        {
            throw ChatErrors.MessageNotFound();
        }

        if (quoted.IsDeleted)
        {
            throw ChatErrors.MessageDeleted();
        }

        var sender = await users.FindByIdAsync(quoted.SenderId, cancellationToken).ConfigureAwait(false) ?? ChatAccess.UnknownUser(quoted.SenderId);
        return Preview(quoted, sender);
    }

    /// <summary>
    /// Messages of one chat as history shows them to <paramref name="viewerId"/>: with their senders
    /// (former members too), readers, quotes and reactions. <paramref name="known"/> names users the
    /// caller has already read (the chat's members), so they are not looked up again.
    /// </summary>
    public async Task<IReadOnlyList<MessageView>> ViewsAsync(
        long chatId, IReadOnlyList<ChatMessage> page, IReadOnlyDictionary<long, ChatUser>? known, long viewerId, CancellationToken cancellationToken)
    {
        if (page.Count == 0)
        {
            return [];
        }

        var names = known is null ? new Dictionary<long, ChatUser>() : new Dictionary<long, ChatUser>(known);
        var missingSenders = page.Select(m => m.SenderId).Where(id => !names.ContainsKey(id)).Distinct().ToArray();
        if (missingSenders.Length > 0)
        {
            // Former members still appear as senders of their old messages.
            foreach (var (id, user) in await users.GetByIdsAsync(missingSenders, cancellationToken).ConfigureAwait(false))
            {
                names[id] = user;
            }
        }

        var marks = await members.GetReadMarksAsync(chatId, page.Min(m => m.Sequence), page.Max(m => m.Sequence), cancellationToken).ConfigureAwait(false);
        var marksByReader = marks
            .GroupBy(m => m.UserId)
            .Select(g => (UserId: g.Key, Marks: g.OrderBy(m => m.UpToSequence).ToArray()))
            .ToArray();
        var unknownReaders = marksByReader.Select(r => r.UserId).Where(id => !names.ContainsKey(id)).ToArray();
        if (unknownReaders.Length > 0)
        {
            foreach (var (id, user) in await users.GetByIdsAsync(unknownReaders, cancellationToken).ConfigureAwait(false))
            {
                names[id] = user;
            }
        }

        var previews = await GetPreviewsAsync(page, names, cancellationToken).ConfigureAwait(false);
        var reactions = await GetReactionsAsync(page, viewerId, cancellationToken).ConfigureAwait(false);
        var attachments = await GetAttachmentsAsync(page, cancellationToken).ConfigureAwait(false);
        var views = new MessageView[page.Count];
        for (var i = 0; i < page.Count; i++)
        {
            var message = page[i];
            var readers = new List<MessageReader>();
            foreach (var (readerId, readerMarks) in marksByReader)
            {
                if (readerId == message.SenderId)
                {
                    continue;
                }

                // Marks only move forward, so the first one that reaches the message is when it was read.
                var first = Array.Find(readerMarks, m => m.UpToSequence >= message.Sequence);
                if (first is not null)
                {
                    var reader = names.GetValueOrDefault(readerId) ?? ChatAccess.UnknownUser(readerId);
                    readers.Add(new MessageReader(readerId, reader.UserName, first.ReadAt));
                }
            }

            readers.Sort((a, b) => a.ReadAt.CompareTo(b.ReadAt));
            views[i] = new MessageView(message, names.GetValueOrDefault(message.SenderId) ?? ChatAccess.UnknownUser(message.SenderId), readers)
            {
                ReplyPreview = message.ReplyToId is { } quoted && !message.IsDeleted ? previews.GetValueOrDefault(quoted) : null,
                Reactions = reactions[message.Id].ToArray(),
                Attachments = attachments[message.Id].ToArray(),
            };
        }

        return views;
    }

    /// <summary>The quotes of the replies among <paramref name="page"/>, by the id of the message each quotes.</summary>
    public async Task<IReadOnlyDictionary<long, ReplyPreview>> GetPreviewsAsync(IEnumerable<ChatMessage> page, IReadOnlyDictionary<long, ChatUser>? known, CancellationToken cancellationToken)
    {
        var ids = page.Where(m => m.ReplyToId is not null && !m.IsDeleted).Select(m => m.ReplyToId!.Value).Distinct().ToArray();
        if (ids.Length == 0)
        {
            return NoPreviews;
        }

        var quoted = await FindAllAsync(ids, cancellationToken).ConfigureAwait(false);
        var unknown = quoted.Select(q => q.SenderId).Where(id => known?.ContainsKey(id) != true).Distinct().ToArray();
        var senders = unknown.Length > 0 ? await users.GetByIdsAsync(unknown, cancellationToken).ConfigureAwait(false) : null;
        return quoted.ToDictionary(q => q.Id, q => Preview(q,
            known?.GetValueOrDefault(q.SenderId) ?? senders?.GetValueOrDefault(q.SenderId) ?? ChatAccess.UnknownUser(q.SenderId)));
    }

    /// <summary>The reactions of <paramref name="page"/>, by message, with <c>me</c> for <paramref name="viewerId"/>.</summary>
    public async Task<ILookup<long, ReactionCount>> GetReactionsAsync(IReadOnlyCollection<ChatMessage> page, long viewerId, CancellationToken cancellationToken)
    {
        var ids = page.Where(m => !m.IsDeleted).Select(m => m.Id).ToArray();
        var counts = Changes is { } store && ids.Length > 0
            ? await store.GetReactionCountsAsync(ids, viewerId, cancellationToken).ConfigureAwait(false)
            : [];
        return counts.ToLookup(c => c.MessageId);
    }

    /// <summary>The files of <paramref name="page"/>, by message: one query, and none when no message carries any.</summary>
    public async Task<ILookup<long, ChatAttachment>> GetAttachmentsAsync(IReadOnlyCollection<ChatMessage> page, CancellationToken cancellationToken)
    {
        var ids = page.Where(m => m.AttachmentCount > 0 && !m.IsDeleted).Select(m => m.Id).ToArray();
        var attachments = messages is IAttachmentRecordStore store && ids.Length > 0
            ? await store.GetByMessagesAsync(ids, cancellationToken).ConfigureAwait(false)
            : [];
        return attachments.ToLookup(a => a.MessageId!.Value);
    }

    /// <summary>Messages by id, through the change store's one query when there is one.</summary>
    public async Task<IReadOnlyList<ChatMessage>> FindAllAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        if (Changes is { } store)
        {
            return await store.FindByIdsAsync(ids, cancellationToken).ConfigureAwait(false);
        }

        var found = new List<ChatMessage>(ids.Count);
        foreach (var id in ids)
        {
            if (await messages.FindByIdAsync(id, cancellationToken).ConfigureAwait(false) is { } message)
            {
                found.Add(message);
            }
        }

        return found;
    }

    private ReplyPreview Preview(ChatMessage quoted, ChatUser sender) =>
        new(quoted.Id, quoted.SenderId, sender.UserName, quoted.IsDeleted ? string.Empty : Shorten(quoted.Text), quoted.IsDeleted, quoted.IsDeleted ? 0 : quoted.AttachmentCount);

    /// <summary>The first characters, never cutting a surrogate pair in two.</summary>
    private string Shorten(string text)
    {
        var length = _options.ReplyPreviewLength;
        if (text.Length <= length)
        {
            return text;
        }

        var end = char.IsHighSurrogate(text[length - 1]) ? length - 1 : length;
        return text[..end];
    }
}
