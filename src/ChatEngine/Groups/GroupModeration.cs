namespace ChatEngine;

/// <summary>The admins' moderation of a group: mutes and bans (contract v2, section 6).</summary>
public sealed partial class GroupService
{
    /// <summary>Longest reason an admin may give for a mute or a ban.</summary>
    public const int MaxModerationReasonLength = 500;

    private IChatModerationStore Moderation => _access.Moderation ?? throw new NotSupportedException(
        $"The chat store ({_chats.GetType().Name}) has no IChatModerationStore, so members cannot be muted or banned.");

    /// <summary>
    /// Mutes a member (admins only; never the owner, never oneself) until <paramref name="until"/>, or
    /// for good when <see langword="null"/>: they still read, mark read and may leave, but cannot send,
    /// edit, react, pin or upload, and their typing is dropped. Muting again replaces the end. The
    /// mute is the <see cref="ChatChangeKind.MemberMuted"/> change; it running out sends nothing.
    /// </summary>
    public async Task MuteAsync(long userId, long chatId, string? userName, DateTimeOffset? until, string? reason, CancellationToken cancellationToken = default)
    {
        var store = Moderation;
        var cleanReason = ValidateModeration(until, reason);
        var changes = await _units.RunAsync(chatId, async token =>
        {
            await _access.RequireGroupAdminAsync(userId, chatId, token).ConfigureAwait(false);
            var target = await RequireTargetMemberAsync(chatId, userName, token).ConfigureAwait(false);
            RequireModeratable(userId, target);
            var now = _time.GetUtcNow();
            if (target.Mute is { } current && current.IsActiveAt(now) && current.Until == until)
            {
                return [];
            }

            await store.SetMuteAsync(chatId, target.UserId, new MemberMute(until, userId, now, cleanReason), token).ConfigureAwait(false);
            return await MuteChangedAsync(chatId, target, muted: true, until, userId, token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await PublishAsync(changes).ConfigureAwait(false);
    }

    /// <summary>Lifts a member's mute (admins only). A mute that ran out, or none, changes nothing and sends nothing.</summary>
    public async Task UnmuteAsync(long userId, long chatId, string? userName, CancellationToken cancellationToken = default)
    {
        var store = Moderation;
        var changes = await _units.RunAsync(chatId, async token =>
        {
            await _access.RequireGroupAdminAsync(userId, chatId, token).ConfigureAwait(false);
            var target = await FindTargetMemberAsync(chatId, userName, token).ConfigureAwait(false);
            if (target?.Mute is not { } mute)
            {
                return [];
            }

            await store.SetMuteAsync(chatId, target.UserId, null, token).ConfigureAwait(false);
            return mute.IsActiveAt(_time.GetUtcNow())
                ? await MuteChangedAsync(chatId, target, muted: false, until: null, userId, token).ConfigureAwait(false)
                : [];
        }, cancellationToken).ConfigureAwait(false);
        await PublishAsync(changes).ConfigureAwait(false);
    }

    /// <summary>
    /// Bans a user from the group (admins only; never the owner, never oneself), member or not, until
    /// <paramref name="until"/> or for good: a member is removed (<see cref="MemberRemovalReason.Banned"/>),
    /// and until the ban ends or is lifted, joining by code and being added are refused
    /// (<see cref="ChatErrorCodes.Banned"/>). Banning a non-member, or banning again, takes no number.
    /// </summary>
    public async Task BanAsync(long userId, long chatId, string? userName, DateTimeOffset? until, string? reason, CancellationToken cancellationToken = default)
    {
        var store = Moderation;
        var cleanReason = ValidateModeration(until, reason);
        var user = await FindUserAsync(userName, cancellationToken).ConfigureAwait(false) ?? throw ChatErrors.UserNotFound();
        var changes = await _units.RunAsync(chatId, async token =>
        {
            await _access.RequireGroupAdminAsync(userId, chatId, token).ConfigureAwait(false);
            var member = await _members.FindAsync(chatId, user.Id, token).ConfigureAwait(false);
            RequireModeratable(userId, member ?? new ChatMember { ChatId = chatId, UserId = user.Id, JoinedAt = default });
            await store.SetBanAsync(new ChatBan(chatId, user.Id, until, cleanReason, userId, _time.GetUtcNow()), token).ConfigureAwait(false);
            return member is null
                ? []
                : await RemoveLockedAsync(chatId, member, MemberRemovalReason.Banned, userId, token, until).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await PublishAsync(changes).ConfigureAwait(false);
    }

    /// <summary>Lifts a ban (admins only): the user may rejoin by code or be added again.</summary>
    public async Task UnbanAsync(long userId, long chatId, string? userName, CancellationToken cancellationToken = default)
    {
        var store = Moderation;
        await _access.RequireGroupAdminAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        if (await FindUserAsync(userName, cancellationToken).ConfigureAwait(false) is { } user)
        {
            await store.RemoveBanAsync(chatId, user.Id, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The group's bans that hold now, newest first (admins only).</summary>
    public async Task<IReadOnlyList<ChatBanView>> GetBansAsync(long userId, long chatId, CancellationToken cancellationToken = default)
    {
        var store = Moderation;
        await _access.RequireGroupAdminAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var bans = (await store.GetBansAsync(chatId, cancellationToken).ConfigureAwait(false)).Where(b => b.IsActiveAt(now)).ToArray();
        var users = await _users.GetByIdsAsync(bans.Select(b => b.UserId).Concat(bans.Select(b => b.ByUserId)).Distinct().ToArray(), cancellationToken).ConfigureAwait(false);
        ChatUser UserOf(long id) => users.GetValueOrDefault(id) ?? ChatAccess.UnknownUser(id);
        return bans.Select(b => new ChatBanView(b, UserOf(b.UserId), UserOf(b.ByUserId))).ToArray();
    }

    /// <summary>Refuses a group change that includes users who blocked the caller, naming them.</summary>
    private async Task RequireNotBlockedByAsync(long userId, IReadOnlyList<ChatUser> users, CancellationToken cancellationToken)
    {
        var blockers = await _access.GetBlockersAsync(userId, users.Where(u => u.Id != userId).Select(u => u.Id).ToArray(), cancellationToken).ConfigureAwait(false);
        if (blockers.Count > 0)
        {
            throw ChatErrors.Blocked(users.Where(u => blockers.Contains(u.Id)).Select(u => u.UserName).ToArray());
        }
    }

    /// <summary>Refuses adding users whose ban of the group holds, naming them.</summary>
    private async Task RequireNoneBannedAsync(long chatId, IReadOnlyList<ChatUser> users, CancellationToken cancellationToken)
    {
        if (_access.Moderation is null)
        {
            return;
        }

        var banned = new List<(ChatUser User, ChatBan Ban)>();
        foreach (var user in users)
        {
            if (await FindActiveBanAsync(chatId, user.Id, cancellationToken).ConfigureAwait(false) is { } ban)
            {
                banned.Add((user, ban));
            }
        }

        if (banned.Count > 0)
        {
            throw Banned(banned.Count == 1 ? banned[0].Ban.Until : null, banned.Select(b => b.User.UserName).ToArray());
        }
    }

    private async Task<ChatBan?> FindActiveBanAsync(long chatId, long userId, CancellationToken cancellationToken) =>
        _access.Moderation is { } store && await store.FindBanAsync(chatId, userId, cancellationToken).ConfigureAwait(false) is { } ban && ban.IsActiveAt(_time.GetUtcNow())
            ? ban
            : null;

    private async Task<List<ChatEvent>> MuteChangedAsync(long chatId, ChatMember target, bool muted, DateTimeOffset? until, long byUserId, CancellationToken cancellationToken)
    {
        var members = (await _members.GetMembersAsync(chatId, cancellationToken).ConfigureAwait(false)).Select(m => m.UserId).ToArray();
        var change = new ChatChange
        {
            ChatId = chatId, Kind = ChatChangeKind.MemberMuted, Time = _time.GetUtcNow(), ByUserId = byUserId, On = muted, Until = until,
            Members = [new ChangedMember(target.UserId, target.Role)],
        };
        return [await LogAsync(change, members, cancellationToken).ConfigureAwait(false)];
    }

    private static void RequireModeratable(long userId, ChatMember target)
    {
        if (target.UserId == userId)
        {
            throw ChatErrors.SelfTarget("You cannot mute or ban yourself.");
        }

        if (target.Role == ChatRole.Owner)
        {
            throw new ChatException(ChatErrorKind.Forbidden, ChatErrorCodes.OwnerProtected, "The group's owner cannot be muted or banned.");
        }
    }

    private string? ValidateModeration(DateTimeOffset? until, string? reason)
    {
        if (until is { } end && end <= _time.GetUtcNow())
        {
            throw ChatErrors.Validation(ChatErrorCodes.InvalidTime, "until must lie in the future (or be null, for good).");
        }

        return ChatText.ValidateOptional(reason, MaxModerationReasonLength, "The reason");
    }

    private async Task<ChatMember?> FindTargetMemberAsync(long chatId, string? userName, CancellationToken cancellationToken) =>
        await FindUserAsync(userName, cancellationToken).ConfigureAwait(false) is { } user
            ? await _members.FindAsync(chatId, user.Id, cancellationToken).ConfigureAwait(false)
            : null;

    private Task<ChatUser?> FindUserAsync(string? userName, CancellationToken cancellationToken) =>
        _access.FindUserByNameAsync(userName, _options.MaxUserNameLength, cancellationToken);

    private static ChatException Banned(DateTimeOffset? until, IReadOnlyList<string> userNames) =>
        new(ChatErrorKind.Forbidden, ChatErrorCodes.Banned, userNames.Count > 0
            ? $"These users are banned from this group: {string.Join(", ", userNames)}."
            : "You are banned from this group.") { Until = until, Items = userNames };
}

/// <summary>A ban as admins see it.</summary>
/// <param name="Ban">The ban.</param>
/// <param name="User">The banned user.</param>
/// <param name="By">The admin who banned them.</param>
public sealed record ChatBanView(ChatBan Ban, ChatUser User, ChatUser By);
