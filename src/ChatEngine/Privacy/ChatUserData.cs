using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatEngine;

/// <summary>
/// A user's data rights (contract v2, section 6): everything ChatEngine holds about them, for their
/// export, and its erasure (<see cref="IUserErasure"/>). The export has only the user's own
/// messages: other people's are theirs to export.
/// </summary>
public sealed class ChatUserData : IUserErasure
{
    // Messages read or erased per round trip: small enough that no transaction holds a chat for long.
    private const int Batch = 500;

    private readonly IChatUserDataStore? _store;
    private readonly IChatStore _chats;
    private readonly IChatMemberStore _members;
    private readonly IMessageStore _messages;
    private readonly IChatUserDirectory _users;
    private readonly IChatPushSubscriptionStore? _pushSubscriptions;
    private readonly IChatEventPublisher _events;
    private readonly ChatAccess _access;
    private readonly GroupService _groups;
    private readonly MessageChangeService _changes;
    private readonly AttachmentService _attachments;
    private readonly ModerationService _moderation;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly ChatEngineOptions _options;

    internal ChatUserData(
        IChatUserDataStore? store,
        IChatStore chats,
        IChatMemberStore members,
        IMessageStore messages,
        IChatUserDirectory users,
        IChatPushSubscriptionStore? pushSubscriptions,
        IChatEventPublisher events,
        ChatAccess access,
        GroupService groups,
        MessageChangeService changes,
        AttachmentService attachments,
        ModerationService moderation,
        IServiceScopeFactory scopes,
        TimeProvider time,
        IOptions<ChatEngineOptions> options)
    {
        _store = store;
        _chats = chats;
        _members = members;
        _messages = messages;
        _users = users;
        _pushSubscriptions = pushSubscriptions;
        _events = events;
        _access = access;
        _groups = groups;
        _changes = changes;
        _attachments = attachments;
        _moderation = moderation;
        _scopes = scopes;
        _time = time;
        _options = options.Value;
    }

    private IChatUserDataStore Store => _store ?? throw new NotSupportedException(
        "No IChatUserDataStore is registered, so users' data cannot be exported or erased.");

    /// <summary>What ChatEngine holds about the user, but their messages (read them chat by chat with <see cref="GetOwnMessagesAsync"/>).</summary>
    public async Task<UserDataExport> GetExportAsync(long userId, CancellationToken cancellationToken = default)
    {
        var store = Store;
        var user = await _access.RequireUserAsync(userId, cancellationToken).ConfigureAwait(false);
        var chats = new List<ExportedChat>();
        foreach (var chatId in await _chats.GetChatIdsForUserAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            var chat = await _chats.FindByIdAsync(chatId, cancellationToken).ConfigureAwait(false);
            var member = await _members.FindAsync(chatId, userId, cancellationToken).ConfigureAwait(false);
            if (chat is null || member is null)
            {
                continue; // Left or deleted while the export ran.
            }

            var name = chat.Kind == ChatKind.Group
                ? chat.Name ?? string.Empty
                : (await _users.FindByIdAsync(chat.Pair!.Value.OtherThan(userId), cancellationToken).ConfigureAwait(false) ?? ChatAccess.UnknownUser(chat.Pair.Value.OtherThan(userId))).UserName;
            var readUpTo = member.LastReadSequence > 0
                ? (await _messages.GetBeforeAsync(chatId, member.LastReadSequence + 1, 1, cancellationToken).ConfigureAwait(false)).FirstOrDefault()?.Id
                : null;
            chats.Add(new ExportedChat(chat, name, member, readUpTo));
        }

        return new UserDataExport
        {
            User = user,
            ExportedAt = _time.GetUtcNow(),
            Chats = chats,
            Reactions = await store.GetReactionsByUserAsync(userId, cancellationToken).ConfigureAwait(false),
            Pins = await store.GetPinnedByUserAsync(userId, cancellationToken).ConfigureAwait(false),
            Blocks = _access.Moderation is null ? [] : await _moderation.GetBlocksAsync(userId, cancellationToken).ConfigureAwait(false),
            PushSubscriptions = _pushSubscriptions is null ? [] : await _pushSubscriptions.GetForUsersAsync([userId], cancellationToken).ConfigureAwait(false),
            Reports = await store.GetReportsByReporterAsync(userId, cancellationToken).ConfigureAwait(false),
        };
    }

    /// <summary>The user's own messages in one of their chats with ids above <paramref name="afterId"/>, oldest first, with their files.</summary>
    public async Task<IReadOnlyList<ExportedMessage>> GetOwnMessagesAsync(long userId, long chatId, long afterId = 0, int limit = Batch, CancellationToken cancellationToken = default)
    {
        var messages = await Store.GetMessagesBySenderAsync(chatId, userId, afterId, limit, cancellationToken).ConfigureAwait(false);
        if (_attachments.Records is not { } records || !messages.Any(m => m.AttachmentCount > 0))
        {
            return messages.Select(m => new ExportedMessage(m, [])).ToArray();
        }

        var files = (await records.GetByMessagesAsync(messages.Where(m => m.AttachmentCount > 0).Select(m => m.Id).ToArray(), cancellationToken).ConfigureAwait(false))
            .ToLookup(a => a.MessageId);
        return messages.Select(m => new ExportedMessage(m, files[m.Id].OrderBy(a => a.Position).ToArray())).ToArray();
    }

    /// <inheritdoc />
    public async Task EraseAsync(long userId, CancellationToken cancellationToken = default)
    {
        var store = Store;

        // Reactions first, each with its event, while the user is still in their chats.
        foreach (var reaction in await store.GetReactionsByUserAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            await _changes.RemoveErasedReactionAsync(reaction, cancellationToken).ConfigureAwait(false);
        }

        // Messages in batches, without events: a replay or a page shows them as they are now.
        for (long after = 0; ;)
        {
            var (last, files) = await store.EraseMessagesAsync(userId, _options.Privacy.ErasureKeepsText, after, Batch, cancellationToken).ConfigureAwait(false);
            await _attachments.DeleteFilesAsync(files).ConfigureAwait(false);
            if (last == 0)
            {
                break;
            }

            after = last;
        }

        foreach (var chatId in await _chats.GetChatIdsForUserAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            if (await _chats.FindByIdAsync(chatId, cancellationToken).ConfigureAwait(false) is { } chat)
            {
                await _groups.EraseMembershipAsync(userId, chat, cancellationToken).ConfigureAwait(false);
            }
        }

        if (_pushSubscriptions is not null)
        {
            foreach (var subscription in await _pushSubscriptions.GetForUsersAsync([userId], cancellationToken).ConfigureAwait(false))
            {
                await _pushSubscriptions.DeleteAsync(subscription.Id, userId, cancellationToken).ConfigureAwait(false);
            }
        }

        if (_access.Moderation is { } moderation)
        {
            var blocks = await moderation.GetBlocksAsync(userId, cancellationToken).ConfigureAwait(false);
            foreach (var block in blocks)
            {
                await moderation.RemoveBlockAsync(userId, block.BlockedUserId, cancellationToken).ConfigureAwait(false);
            }

            if (blocks.Count > 0)
            {
                await _events.PublishAsync(new UserBlocksChanged(userId, []), CancellationToken.None).ConfigureAwait(false);
            }
        }

        await _attachments.DeleteFilesAsync(await store.ErasePersonalDataAsync(userId, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);

        // Told in a scope of their own, so a participant writes through a store of its own.
        await using (var scope = _scopes.CreateAsyncScope())
        {
            foreach (var participant in scope.ServiceProvider.GetServices<IUserErasureParticipant>())
            {
                await participant.OnUserErasedAsync(userId, CancellationToken.None).ConfigureAwait(false);
            }
        }

        await _events.PublishAsync(new UserErased(userId), CancellationToken.None).ConfigureAwait(false);
    }
}
