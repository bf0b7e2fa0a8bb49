using Microsoft.Extensions.Options;

namespace ChatEngine;

/// <summary>Groups: creation, join codes and the admin controls.</summary>
public sealed partial class GroupService
{
    // A 96-bit code collides with another practically never; a couple of retries covers the freak case.
    private const int JoinCodeAttempts = 3;

    private readonly IChatStore _chats;
    private readonly IChatMemberStore _members;
    private readonly IChatUserDirectory _users;
    private readonly IChatEventPublisher _events;
    private readonly ChatAccess _access;
    private readonly IChatUnitOfWork _units;
    private readonly ChatChangeParticipation _participation;
    private readonly ChatChangeRecorder _recorder;
    private readonly TimeProvider _time;
    private readonly ChatEngineOptions _options;
    private readonly AttachmentService _attachments;

    internal GroupService(
        IChatStore chats,
        IChatMemberStore members,
        IChatUserDirectory users,
        IChatEventPublisher events,
        ChatAccess access,
        IChatUnitOfWork units,
        ChatChangeParticipation participation,
        ChatChangeRecorder recorder,
        AttachmentService attachments,
        TimeProvider time,
        IOptions<ChatEngineOptions> options)
    {
        _attachments = attachments;
        _recorder = recorder;
        _units = units;
        _participation = participation;
        _chats = chats;
        _members = members;
        _users = users;
        _events = events;
        _access = access;
        _time = time;
        _options = options.Value;
    }

    /// <summary>Creates a group; the creator becomes its owner (an admin). Unknown user names are refused, listed.</summary>
    public async Task<GroupView> CreateGroupAsync(long userId, string? name, IReadOnlyCollection<string>? memberUserNames, CancellationToken cancellationToken = default)
    {
        var groupName = ValidateName(name);
        var creator = await _access.RequireUserAsync(userId, cancellationToken).ConfigureAwait(false);
        var others = await ResolveUsersAsync(memberUserNames ?? [], cancellationToken).ConfigureAwait(false);

        var members = new List<(long UserId, ChatRole Role)> { (creator.Id, ChatRole.Owner) };
        members.AddRange(others.Where(u => u.Id != creator.Id).Select(u => (u.Id, ChatRole.Member)));
        if (members.Count > _options.MaxGroupMembers)
        {
            throw TooManyMembers();
        }

        await RequireNotBlockedByAsync(userId, others, cancellationToken).ConfigureAwait(false);

        var createdAt = _time.GetUtcNow();
        var chat = await WithFreshJoinCodeAsync(code => _chats.CreateGroupAsync(
            new NewGroup { Name = groupName, JoinCode = code, CreatedAt = createdAt, Members = members }, cancellationToken)).ConfigureAwait(false);

        // The store logged the creation as change 1 (see IChatChangeLog); this is that change.
        var names = others.Append(creator).DistinctBy(u => u.Id).ToDictionary(u => u.Id);
        var created = ChatChanges.Creation(
            _chats, chat.Id, createdAt, creator.Id, members.Select(m => new ChangedMember(m.UserId, m.Role) { UserName = names[m.UserId].UserName }).ToArray());
        var memberIds = members.Select(m => m.UserId).ToArray();
        await _participation.OnChatCreatedAsync(created, cancellationToken).ConfigureAwait(false);

        await PublishAsync([Change(chat.Id, null, MembershipChange.Added, memberIds), new ChatChanged(created, memberIds)]).ConfigureAwait(false);
        return await GetGroupAsync(userId, chat.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The group with its members; the join code is included for admins only.</summary>
    public async Task<GroupView> GetGroupAsync(long userId, long chatId, CancellationToken cancellationToken = default)
    {
        var (chat, member) = await _access.RequireMemberAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        if (chat.Kind != ChatKind.Group)
        {
            throw ChatErrors.NotAGroup();
        }

        var members = await _members.GetMembersAsync(chatId, cancellationToken).ConfigureAwait(false);
        var views = await _access.GetMemberViewsAsync(members, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        return new GroupView(chat, views, member)
        {
            Seq = ChatChanges.SeqOf(_chats, chat),
            Notifications = _options.Notifications.SettingsOf(member.NotifyLevel, member.MutedUntil, now),
            Muted = ChatService.MutedMembers(members, views, now),
        };
    }

    /// <summary>Joins the group whose code this is. Joining twice is harmless.</summary>
    /// <returns>The group, and whether the caller joined now (false when already a member).</returns>
    public async Task<(Chat Group, bool Joined)> JoinAsync(long userId, string? joinCode, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(joinCode))
        {
            throw ChatErrors.Validation(ChatErrorCodes.JoinCodeRequired, "Group code is required.");
        }

        var code = joinCode.Trim();
        var chat = ChatText.CanMatch(code, JoinCodes.MaxLength) ? await _chats.FindByJoinCodeAsync(code, cancellationToken).ConfigureAwait(false) : null;
        if (chat is null || chat.Kind != ChatKind.Group)
        {
            throw new ChatException(ChatErrorKind.NotFound, ChatErrorCodes.GroupNotFound, "Group not found.");
        }

        await _access.RequireUserAsync(userId, cancellationToken).ConfigureAwait(false);
        var changes = await _units.RunAsync(chat.Id, async token =>
        {
            if (await _members.FindAsync(chat.Id, userId, token).ConfigureAwait(false) is not null)
            {
                return [];
            }

            if (await FindActiveBanAsync(chat.Id, userId, token).ConfigureAwait(false) is { } ban)
            {
                throw Banned(ban.Until, []);
            }

            // A code someone kept does not undo an admin's removal: only an admin adding them again does.
            if (await _members.IsBarredAsync(chat.Id, userId, token).ConfigureAwait(false))
            {
                throw new ChatException(ChatErrorKind.Forbidden, ChatErrorCodes.Removed, "An admin removed you from this group; ask an admin to add you again.");
            }

            return await AddLockedAsync(chat.Id, [userId], userId, token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await PublishAsync(changes).ConfigureAwait(false);
        return (chat, changes.Count > 0);
    }

    /// <summary>Adds users to the group (admins only). Users already in it are left as they are.</summary>
    public async Task<GroupView> AddMembersAsync(long userId, long chatId, IReadOnlyCollection<string>? userNames, CancellationToken cancellationToken = default)
    {
        await _access.RequireGroupAdminAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        var users = await ResolveUsersAsync(userNames ?? [], cancellationToken).ConfigureAwait(false);
        await RequireNotBlockedByAsync(userId, users, cancellationToken).ConfigureAwait(false);
        var changes = await _units.RunAsync(chatId, async token =>
        {
            await _access.RequireGroupAdminAsync(userId, chatId, token).ConfigureAwait(false);
            await RequireNoneBannedAsync(chatId, users, token).ConfigureAwait(false);
            return await AddLockedAsync(chatId, users.Select(u => u.Id).ToArray(), userId, token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await PublishAsync(changes).ConfigureAwait(false);
        return await GetGroupAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes a member (admins only). The owner cannot be removed; removing oneself is leaving. The
    /// removed member cannot rejoin by code until an admin adds them again.
    /// </summary>
    public async Task RemoveMemberAsync(long userId, long chatId, string? userName, CancellationToken cancellationToken = default)
    {
        var changes = await _units.RunAsync(chatId, async token =>
        {
            await _access.RequireGroupAdminAsync(userId, chatId, token).ConfigureAwait(false);
            var target = await RequireTargetMemberAsync(chatId, userName, token).ConfigureAwait(false);
            if (target.UserId == userId)
            {
                return await LeaveLockedAsync(userId, chatId, token).ConfigureAwait(false);
            }

            if (target.Role == ChatRole.Owner)
            {
                throw OwnerProtected();
            }

            return await RemoveLockedAsync(chatId, target, MemberRemovalReason.Removed, userId, token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await PublishAsync(changes).ConfigureAwait(false);
    }

    /// <summary>Makes a member an admin (admins only).</summary>
    public Task PromoteAsync(long userId, long chatId, string? userName, CancellationToken cancellationToken = default) =>
        ChangeRoleAsync(userId, chatId, userName, ChatRole.Admin, cancellationToken);

    /// <summary>Makes an admin a plain member (admins only). The owner cannot be demoted.</summary>
    public Task DemoteAsync(long userId, long chatId, string? userName, CancellationToken cancellationToken = default) =>
        ChangeRoleAsync(userId, chatId, userName, ChatRole.Member, cancellationToken);

    /// <summary>Renames the group (admins only).</summary>
    public async Task<GroupView> RenameAsync(long userId, long chatId, string? name, CancellationToken cancellationToken = default)
    {
        var groupName = ValidateName(name);
        await _access.RequireGroupAdminAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        var changes = await _units.RunAsync(chatId, async token =>
        {
            var (chat, _) = await _access.RequireGroupAdminAsync(userId, chatId, token).ConfigureAwait(false);
            if (chat.Name == groupName || !await _chats.SetNameAsync(chatId, groupName, token).ConfigureAwait(false))
            {
                return []; // The same name again changes nothing, so it takes no number.
            }

            var members = (await _members.GetMembersAsync(chatId, token).ConfigureAwait(false)).Select(m => m.UserId).ToArray();
            var renamed = new ChatChange { ChatId = chatId, Kind = ChatChangeKind.ChatUpdated, Time = _time.GetUtcNow(), ByUserId = userId, Name = groupName };
            return new List<ChatEvent> { Change(chatId, null, MembershipChange.ChatUpdated, members), await LogAsync(renamed, members, token).ConfigureAwait(false) };
        }, cancellationToken).ConfigureAwait(false);
        await PublishAsync(changes).ConfigureAwait(false);
        return await GetGroupAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replaces the join code with a new one (admins only); the old code stops working.</summary>
    public async Task<string> RegenerateJoinCodeAsync(long userId, long chatId, CancellationToken cancellationToken = default)
    {
        await _access.RequireGroupAdminAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        var code = await WithFreshJoinCodeAsync(async candidate =>
        {
            await _chats.SetJoinCodeAsync(chatId, candidate, cancellationToken).ConfigureAwait(false);
            return candidate;
        }).ConfigureAwait(false);
        await PublishMemberChangeAsync(chatId, null, MembershipChange.ChatUpdated, cancellationToken).ConfigureAwait(false);
        return code;
    }

    /// <summary>Revokes the join code (admins only): nobody can join by code until a new one is made.</summary>
    public async Task RevokeJoinCodeAsync(long userId, long chatId, CancellationToken cancellationToken = default)
    {
        await _access.RequireGroupAdminAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        await _chats.SetJoinCodeAsync(chatId, null, cancellationToken).ConfigureAwait(false);
        await PublishMemberChangeAsync(chatId, null, MembershipChange.ChatUpdated, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Leaves the group. If the owner leaves, the longest-standing admin (or member) becomes owner; if
    /// the last admin leaves, the longest-standing member becomes admin; an empty group is deleted.
    /// </summary>
    public async Task LeaveAsync(long userId, long chatId, CancellationToken cancellationToken = default)
    {
        var changes = await _units.RunAsync(chatId, token => LeaveLockedAsync(userId, chatId, token), cancellationToken).ConfigureAwait(false);
        await PublishAsync(changes).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the group with its history. Only its owner may: deleting takes everyone's history with
    /// it, which no co-admin should be able to do behind the owner's back (they can leave instead).
    /// </summary>
    public async Task DeleteAsync(long userId, long chatId, CancellationToken cancellationToken = default)
    {
        var deleted = await _units.RunAsync(chatId, async token =>
        {
            var (chat, member) = await _access.RequireGroupAdminAsync(userId, chatId, token).ConfigureAwait(false);
            if (member.Role != ChatRole.Owner)
            {
                throw new ChatException(ChatErrorKind.Forbidden, ChatErrorCodes.NotOwner, "Only the group's owner can delete it.");
            }

            var members = (await _members.GetMembersAsync(chatId, token).ConfigureAwait(false)).Select(m => m.UserId).ToArray();
            var files = await DeleteChatLockedAsync(chatId, token).ConfigureAwait(false);
            return new List<ChatEvent> { files, Change(chatId, null, MembershipChange.ChatDeleted, members), await DeletedAsync(chatId, chat.Seq, userId, members, token).ConfigureAwait(false) };
        }, cancellationToken).ConfigureAwait(false);
        await PublishAsync(deleted).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes an erased user out of a chat: a group as if they left (<see cref="MemberRemovalReason.Erased"/>;
    /// ownership passes on, an emptied group goes); a private chat stays, with its other member alone.
    /// </summary>
    internal async Task EraseMembershipAsync(long userId, Chat chat, CancellationToken cancellationToken)
    {
        var changes = await _units.RunAsync(chat.Id, async token =>
        {
            if (await _members.FindAsync(chat.Id, userId, token).ConfigureAwait(false) is not { } member)
            {
                return [];
            }

            return chat.Kind == ChatKind.Group
                ? await LeaveLockedAsync(userId, chat.Id, token, MemberRemovalReason.Erased).ConfigureAwait(false)
                : await RemoveLockedAsync(chat.Id, member, MemberRemovalReason.Erased, userId, token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await PublishAsync(changes).ConfigureAwait(false);
    }

    private async Task ChangeRoleAsync(long userId, long chatId, string? userName, ChatRole role, CancellationToken cancellationToken)
    {
        var changes = await _units.RunAsync(chatId, async token =>
        {
            await _access.RequireGroupAdminAsync(userId, chatId, token).ConfigureAwait(false);
            var target = await RequireTargetMemberAsync(chatId, userName, token).ConfigureAwait(false);
            if (target.Role == ChatRole.Owner)
            {
                throw OwnerProtected();
            }

            if (target.Role == role || !await _members.SetRoleAsync(chatId, target.UserId, role, token).ConfigureAwait(false))
            {
                return [];
            }

            return await RoleChangedAsync(chatId, target.UserId, role, userId, token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await PublishAsync(changes).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds users within the chat's unit of work, so racing joins and adds never pass the member
    /// cap between the count and the insert. Users already in it are left as they are.
    /// </summary>
    private async Task<List<ChatEvent>> AddLockedAsync(long chatId, IReadOnlyCollection<long> userIds, long byUserId, CancellationToken cancellationToken)
    {
        var current = await _members.GetMembersAsync(chatId, cancellationToken).ConfigureAwait(false);
        var newcomers = userIds.Where(id => current.All(m => m.UserId != id)).Distinct().ToArray();
        if (newcomers.Length > 0 && current.Count + newcomers.Length > _options.MaxGroupMembers)
        {
            throw TooManyMembers();
        }

        var members = current.Select(m => m.UserId).ToList();
        var changes = new List<ChatEvent>();
        var added = new List<ChangedMember>();
        foreach (var newcomer in newcomers)
        {
            if (await _members.AddAsync(chatId, newcomer, ChatRole.Member, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
            {
                members.Add(newcomer);
                added.Add(new ChangedMember(newcomer, ChatRole.Member));
                changes.Add(Change(chatId, newcomer, MembershipChange.Added, members));
            }
        }

        if (added.Count > 0)
        {
            var change = new ChatChange { ChatId = chatId, Kind = ChatChangeKind.MemberAdded, Time = _time.GetUtcNow(), ByUserId = byUserId, Members = added };
            changes.Add(await LogAsync(change, members, cancellationToken).ConfigureAwait(false));
        }

        return changes;
    }

    /// <summary>
    /// Leaving, within the chat's unit of work: of two racing leaves, the second sees the first, so
    /// an emptied group is deleted and a group losing its owner or last admin always gets one.
    /// </summary>
    private async Task<List<ChatEvent>> LeaveLockedAsync(long userId, long chatId, CancellationToken cancellationToken, MemberRemovalReason reason = MemberRemovalReason.Left)
    {
        var (chat, member) = await _access.RequireMemberAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        if (chat.Kind != ChatKind.Group)
        {
            throw ChatErrors.NotAGroup();
        }

        var changes = await RemoveLockedAsync(chatId, member, reason, userId, cancellationToken).ConfigureAwait(false);
        var remaining = await _members.GetMembersAsync(chatId, cancellationToken).ConfigureAwait(false);
        if (remaining.Count == 0)
        {
            var lastSeq = changes.OfType<ChatChanged>().LastOrDefault()?.Change.Seq ?? chat.Seq;
            changes.Add(await DeleteChatLockedAsync(chatId, cancellationToken).ConfigureAwait(false));
            changes.Add(Change(chatId, null, MembershipChange.ChatDeleted, [userId]));
            changes.Add(await DeletedAsync(chatId, lastSeq, byUserId: null, [userId], cancellationToken).ConfigureAwait(false));
            return changes;
        }

        ChatMember? successor = null;
        var successorRole = ChatRole.Admin;
        if (member.Role == ChatRole.Owner)
        {
            successor = remaining.FirstOrDefault(m => m.IsAdmin) ?? remaining[0];
            successorRole = ChatRole.Owner;
        }
        else if (!remaining.Any(m => m.IsAdmin))
        {
            successor = remaining[0];
        }

        if (successor is not null && await _members.SetRoleAsync(chatId, successor.UserId, successorRole, cancellationToken).ConfigureAwait(false))
        {
            changes.AddRange(await RoleChangedAsync(chatId, successor.UserId, successorRole, byUserId: null, cancellationToken).ConfigureAwait(false));
        }

        return changes;
    }

    private async Task<ChatMember> RequireTargetMemberAsync(long chatId, string? userName, CancellationToken cancellationToken)
    {
        var member = await FindTargetMemberAsync(chatId, userName, cancellationToken).ConfigureAwait(false);
        return member ?? throw new ChatException(ChatErrorKind.NotFound, ChatErrorCodes.UserNotFound, "That user is not a member of this group.");
    }

    private async Task<IReadOnlyList<ChatUser>> ResolveUsersAsync(IReadOnlyCollection<string> userNames, CancellationToken cancellationToken)
    {
        var wanted = userNames.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        if (wanted.Length > _options.MaxGroupMembers)
        {
            throw TooManyMembers();
        }

        // Names no user can have are unknown without asking the directory.
        var found = await _users.GetByUserNamesAsync(wanted.Where(n => ChatText.CanMatch(n, _options.MaxUserNameLength)).ToArray(), cancellationToken).ConfigureAwait(false);
        var unknown = wanted.Where(n => !found.Any(u => string.Equals(u.UserName, n, StringComparison.OrdinalIgnoreCase))).ToArray();
        if (unknown.Length > 0)
        {
            throw new ChatException(ChatErrorKind.Validation, ChatErrorCodes.UnknownUsers, $"Unknown users: {string.Join(", ", unknown)}.") { Items = unknown };
        }

        return found;
    }

    private string ValidateName(string? name)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        if (trimmed.Length == 0 || trimmed.Length > _options.MaxGroupNameLength)
        {
            throw ChatErrors.Validation(ChatErrorCodes.InvalidGroupName, $"Group name must be 1 to {_options.MaxGroupNameLength} characters.");
        }

        if (!ChatText.IsAcceptableName(trimmed))
        {
            throw ChatErrors.InvalidText("The group name");
        }

        return trimmed;
    }

    private static async Task<T> WithFreshJoinCodeAsync<T>(Func<string, Task<T>> useCode)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await useCode(JoinCodes.Generate()).ConfigureAwait(false);
            }
            catch (ChatException ex) when (ex.Kind == ChatErrorKind.Conflict && attempt < JoinCodeAttempts)
            {
            }
        }
    }

    /// <summary>
    /// Removes a member (an admin removing them bars them from rejoining by code). The removed member
    /// hears of their own removal too, so their open connections close.
    /// </summary>
    private async Task<List<ChatEvent>> RemoveLockedAsync(
        long chatId, ChatMember member, MemberRemovalReason reason, long byUserId, CancellationToken cancellationToken, DateTimeOffset? until = null)
    {
        var before = (await _members.GetMembersAsync(chatId, cancellationToken).ConfigureAwait(false)).Select(m => m.UserId).ToArray();
        if (!await _members.RemoveAsync(chatId, member.UserId, bar: reason == MemberRemovalReason.Removed, cancellationToken).ConfigureAwait(false))
        {
            return [];
        }

        var change = new ChatChange
        {
            ChatId = chatId, Kind = ChatChangeKind.MemberRemoved, Time = _time.GetUtcNow(), ByUserId = byUserId, Reason = reason, Until = until,
            Members = [new ChangedMember(member.UserId, member.Role)],
        };
        return [Change(chatId, member.UserId, MembershipChange.Removed, before), await LogAsync(change, before, cancellationToken).ConfigureAwait(false)];
    }

    private async Task<List<ChatEvent>> RoleChangedAsync(long chatId, long userId, ChatRole role, long? byUserId, CancellationToken cancellationToken)
    {
        var members = (await _members.GetMembersAsync(chatId, cancellationToken).ConfigureAwait(false)).Select(m => m.UserId).ToArray();
        var change = new ChatChange
        {
            ChatId = chatId, Kind = ChatChangeKind.RoleChanged, Time = _time.GetUtcNow(), ByUserId = byUserId, Members = [new ChangedMember(userId, role)],
        };
        return [Change(chatId, userId, MembershipChange.RoleChanged, members), await LogAsync(change, members, cancellationToken).ConfigureAwait(false)];
    }

    /// <summary>Numbers a change in the chat's log (inside the chat's unit, so it commits with what it records) and names its members.</summary>
    private Task<ChatChanged> LogAsync(ChatChange change, IReadOnlyCollection<long> affected, CancellationToken cancellationToken) =>
        _recorder.RecordAsync(change, affected, cancellationToken);

    /// <summary>A deleted chat keeps no log, so its last change takes the next number without being stored.</summary>
    private async Task<ChatChanged> DeletedAsync(long chatId, long lastSeq, long? byUserId, IReadOnlyCollection<long> affected, CancellationToken cancellationToken)
    {
        var change = new ChatChange { ChatId = chatId, Seq = _chats is IChatChangeLog ? lastSeq + 1 : 0, Kind = ChatChangeKind.ChatDeleted, Time = _time.GetUtcNow(), ByUserId = byUserId };
        await _participation.OnCommittingAsync(change, cancellationToken).ConfigureAwait(false);
        return new ChatChanged(change, affected.ToArray());
    }

    private async Task PublishMemberChangeAsync(long chatId, long? userId, MembershipChange change, CancellationToken cancellationToken)
    {
        var members = await _members.GetMembersAsync(chatId, cancellationToken).ConfigureAwait(false);
        await PublishAsync([Change(chatId, userId, change, members.Select(m => m.UserId))]).ConfigureAwait(false);
    }

    private static ChatMembershipChanged Change(long chatId, long? userId, MembershipChange change, IEnumerable<long> affected) =>
        new(chatId, userId, change, affected.ToArray());

    /// <summary>Deletes a chat with the records of its files, in the chat's unit; the files go once it commits (see <see cref="PublishAsync"/>).</summary>
    private async Task<ChatFilesRemoved> DeleteChatLockedAsync(long chatId, CancellationToken cancellationToken)
    {
        var files = _attachments.Records is { } records ? await records.RemoveByChatAsync(chatId, cancellationToken).ConfigureAwait(false) : [];
        await _chats.DeleteAsync(chatId, cancellationToken).ConfigureAwait(false);
        return new ChatFilesRemoved(files);
    }

    // Published once the unit committed; the changes are stored, so telling clients must not be cancelled half-way.
    private async Task PublishAsync(IReadOnlyList<ChatEvent> changes)
    {
        foreach (var change in changes)
        {
            if (change is ChatFilesRemoved removed)
            {
                await _attachments.DeleteFilesAsync(removed.Files).ConfigureAwait(false);
                continue;
            }

            await _events.PublishAsync(change, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Files whose records a committed unit removed: deleted from the store, never published.</summary>
    private sealed record ChatFilesRemoved(IReadOnlyList<ChatAttachment> Files) : ChatEvent;

    private ChatException TooManyMembers() =>
        ChatErrors.Validation(ChatErrorCodes.TooManyMembers, $"A group can have at most {_options.MaxGroupMembers} members.");

    private static ChatException OwnerProtected() =>
        new(ChatErrorKind.Forbidden, ChatErrorCodes.OwnerProtected, "The group's owner cannot be removed or demoted.");
}
