using Microsoft.Extensions.Options;

namespace ChatEngine;

/// <summary>
/// Members' notification settings per chat (contract v2, section 5): a level (all, mentions, none)
/// and a mute until a time. They decide who is notified of a new message (push, and a host's own
/// notifier through <see cref="WhoToNotifyAsync"/>), never what events, counts or sync carry. Needs a
/// member store that implements <see cref="IChatNotificationStore"/> (the built-in ones do).
/// </summary>
public sealed class ChatNotifications
{
    private readonly IChatMemberStore _members;
    private readonly ChatAccess _access;
    private readonly TimeProvider _time;
    private readonly IChatEventPublisher _events;
    private readonly ChatNotificationOptions _options;

    internal ChatNotifications(IChatMemberStore members, ChatAccess access, IChatEventPublisher events, TimeProvider time, IOptions<ChatEngineOptions> options)
    {
        _events = events;
        _members = members;
        _access = access;
        _time = time;
        _options = options.Value.Notifications;
    }

    /// <summary>The caller's settings for a chat of theirs (the default level until they choose one).</summary>
    public async Task<ChatNotificationSettings> GetAsync(long userId, long chatId, CancellationToken cancellationToken = default)
    {
        var (_, member) = await _access.RequireMemberAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        return Resolve(member);
    }

    /// <summary>
    /// Sets the caller's settings for a chat of theirs. <paramref name="mutedUntil"/> must lie ahead
    /// (<see cref="ChatErrorCodes.InvalidTime"/> otherwise); <see langword="null"/> ends a mute.
    /// </summary>
    public async Task<ChatNotificationSettings> SetAsync(long userId, long chatId, NotifyLevel level, DateTimeOffset? mutedUntil, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(level))
        {
            throw ChatErrors.Validation(ChatErrorCodes.InvalidLevel, "The level is all, mentions or none.");
        }

        if (mutedUntil is { } until && until <= _time.GetUtcNow())
        {
            throw ChatErrors.Validation(ChatErrorCodes.InvalidTime, "muted_until must be a time in the future, or null to end the mute.");
        }

        await _access.RequireMemberAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        var settings = new ChatNotificationSettings(level, mutedUntil);
        if (!await Store.SetNotificationsAsync(chatId, userId, settings, cancellationToken).ConfigureAwait(false))
        {
            throw ChatErrors.ChatNotFound(); // Left the chat meanwhile.
        }

        // The user's other devices show the chat muted (or not) at once.
        await _events.PublishAsync(new NotificationSettingsChanged(userId, chatId, settings), CancellationToken.None).ConfigureAwait(false);
        return settings;
    }

    /// <summary>
    /// The members a new message should notify now: everyone but its sender whose level and mute allow
    /// it (a mention counts for <see cref="NotifyLevel.Mentions"/>, and in a private chat every message
    /// does). For a host's own notifier in an <see cref="IChatEventHandler"/>.
    /// </summary>
    public async Task<IReadOnlyList<long>> WhoToNotifyAsync(MessageCommitted committed, ChatKind chatKind, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(committed);
        var message = committed.Message;
        var now = _time.GetUtcNow();
        var members = await _members.GetMembersAsync(message.ChatId, cancellationToken).ConfigureAwait(false);
        var notified = members
            .Where(m => m.UserId != message.SenderId && Resolve(m).Notifies(chatKind, message.MentionIds.Contains(m.UserId), now))
            .Select(m => m.UserId)
            .ToArray();

        // Nobody is notified of a message by someone they blocked.
        var blockers = await _access.GetBlockersAsync(message.SenderId, notified, cancellationToken).ConfigureAwait(false);
        return blockers.Count == 0 ? notified : notified.Except(blockers).ToArray();
    }

    private IChatNotificationStore Store => _members as IChatNotificationStore ?? throw new NotSupportedException(
        $"The member store ({_members.GetType().Name}) does not implement IChatNotificationStore, so notification settings cannot be kept.");

    private ChatNotificationSettings Resolve(ChatMember member) =>
        _options.SettingsOf(member.NotifyLevel, member.MutedUntil, _time.GetUtcNow());
}
