using Microsoft.Extensions.Options;

namespace ChatEngine;

/// <summary>Groups: creation, join codes and the admin controls.</summary>
public sealed class GroupService
{
    // A 96-bit code collides with another practically never; a couple of retries covers the freak case.
    private const int JoinCodeAttempts = 3;

    private readonly IChatStore _chats;
    private readonly IChatMemberStore _members;
    private readonly IChatUserDirectory _users;
    private readonly IChatEventPublisher _events;
    private readonly ChatAccess _access;
    private readonly TimeProvider _time;
    private readonly ChatEngineOptions _options;

    internal GroupService(
        IChatStore chats,
        IChatMemberStore members,
        IChatUserDirectory users,
        IChatEventPublisher events,
        ChatAccess access,
        TimeProvider time,
        IOptions<ChatEngineOptions> options)
    {
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

        var chat = await WithFreshJoinCodeAsync(code => _chats.CreateGroupAsync(
            new NewGroup { Name = groupName, JoinCode = code, CreatedAt = _time.GetUtcNow(), Members = members }, cancellationToken)).ConfigureAwait(false);
        await PublishAsync(chat.Id, null, MembershipChange.Added, members.Select(m => m.UserId).ToArray()).ConfigureAwait(false);
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
        return new GroupView(chat, await _access.GetMemberViewsAsync(members, cancellationToken).ConfigureAwait(false), member);
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
        if (await _members.FindAsync(chat.Id, userId, cancellationToken).ConfigureAwait(false) is not null)
        {
            return (chat, false);
        }

        // A code someone kept does not undo an admin's removal: only an admin adding them again does.
        if (await _members.IsBarredAsync(chat.Id, userId, cancellationToken).ConfigureAwait(false))
        {
            throw new ChatException(ChatErrorKind.Forbidden, ChatErrorCodes.Removed, "An admin removed you from this group; ask an admin to add you again.");
        }

        var memberCount = (await _members.GetMembersAsync(chat.Id, cancellationToken).ConfigureAwait(false)).Count;
        if (memberCount >= _options.MaxGroupMembers)
        {
            throw TooManyMembers();
        }

        var joined = await _members.AddAsync(chat.Id, userId, ChatRole.Member, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (joined)
        {
            await PublishMemberChangeAsync(chat.Id, userId, MembershipChange.Added, cancellationToken).ConfigureAwait(false);
        }

        return (chat, joined);
    }

    /// <summary>Adds users to the group (admins only). Users already in it are left as they are.</summary>
    public async Task<GroupView> AddMembersAsync(long userId, long chatId, IReadOnlyCollection<string>? userNames, CancellationToken cancellationToken = default)
    {
        await _access.RequireGroupAdminAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        var users = await ResolveUsersAsync(userNames ?? [], cancellationToken).ConfigureAwait(false);
        var current = await _members.GetMembersAsync(chatId, cancellationToken).ConfigureAwait(false);
        var newcomers = users.Where(u => current.All(m => m.UserId != u.Id)).ToArray();
        if (current.Count + newcomers.Length > _options.MaxGroupMembers)
        {
            throw TooManyMembers();
        }

        foreach (var user in newcomers)
        {
            if (await _members.AddAsync(chatId, user.Id, ChatRole.Member, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
            {
                await PublishMemberChangeAsync(chatId, user.Id, MembershipChange.Added, cancellationToken).ConfigureAwait(false);
            }
        }

        return await GetGroupAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes a member (admins only). The owner cannot be removed; removing oneself is leaving. The
    /// removed member cannot rejoin by code until an admin adds them again.
    /// </summary>
    public async Task RemoveMemberAsync(long userId, long chatId, string? userName, CancellationToken cancellationToken = default)
    {
        await _access.RequireGroupAdminAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        var target = await RequireTargetMemberAsync(chatId, userName, cancellationToken).ConfigureAwait(false);
        if (target.UserId == userId)
        {
            await LeaveAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (target.Role == ChatRole.Owner)
        {
            throw OwnerProtected();
        }

        await RemoveAndPublishAsync(chatId, target.UserId, cancellationToken, bar: true).ConfigureAwait(false);
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
        await _chats.SetNameAsync(chatId, groupName, cancellationToken).ConfigureAwait(false);
        await PublishMemberChangeAsync(chatId, null, MembershipChange.ChatUpdated, cancellationToken).ConfigureAwait(false);
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
        var (chat, member) = await _access.RequireMemberAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        if (chat.Kind != ChatKind.Group)
        {
            throw ChatErrors.NotAGroup();
        }

        await RemoveAndPublishAsync(chatId, userId, cancellationToken).ConfigureAwait(false);

        var remaining = await _members.GetMembersAsync(chatId, cancellationToken).ConfigureAwait(false);
        if (remaining.Count == 0)
        {
            await _chats.DeleteAsync(chatId, cancellationToken).ConfigureAwait(false);
            await PublishAsync(chatId, null, MembershipChange.ChatDeleted, [userId]).ConfigureAwait(false);
            return;
        }

        ChatMember? successor = null;
        ChatRole successorRole = ChatRole.Admin;
        if (member.Role == ChatRole.Owner)
        {
            successor = remaining.FirstOrDefault(m => m.IsAdmin) ?? remaining[0];
            successorRole = ChatRole.Owner;
        }
        else if (!remaining.Any(m => m.IsAdmin))
        {
            successor = remaining[0];
        }

        if (successor is not null)
        {
            await _members.SetRoleAsync(chatId, successor.UserId, successorRole, cancellationToken).ConfigureAwait(false);
            await PublishMemberChangeAsync(chatId, successor.UserId, MembershipChange.RoleChanged, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deletes the group with its history. Only its owner may: deleting takes everyone's history with
    /// it, which no co-admin should be able to do behind the owner's back (they can leave instead).
    /// </summary>
    public async Task DeleteAsync(long userId, long chatId, CancellationToken cancellationToken = default)
    {
        var (_, member) = await _access.RequireGroupAdminAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        if (member.Role != ChatRole.Owner)
        {
            throw new ChatException(ChatErrorKind.Forbidden, ChatErrorCodes.NotOwner, "Only the group's owner can delete it.");
        }

        var members = await _members.GetMembersAsync(chatId, cancellationToken).ConfigureAwait(false);
        await _chats.DeleteAsync(chatId, cancellationToken).ConfigureAwait(false);
        await PublishAsync(chatId, null, MembershipChange.ChatDeleted, members.Select(m => m.UserId).ToArray()).ConfigureAwait(false);
    }

    private async Task ChangeRoleAsync(long userId, long chatId, string? userName, ChatRole role, CancellationToken cancellationToken)
    {
        await _access.RequireGroupAdminAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        var target = await RequireTargetMemberAsync(chatId, userName, cancellationToken).ConfigureAwait(false);
        if (target.Role == ChatRole.Owner)
        {
            throw OwnerProtected();
        }

        if (target.Role != role)
        {
            await _members.SetRoleAsync(chatId, target.UserId, role, cancellationToken).ConfigureAwait(false);
            await PublishMemberChangeAsync(chatId, target.UserId, MembershipChange.RoleChanged, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ChatMember> RequireTargetMemberAsync(long chatId, string? userName, CancellationToken cancellationToken)
    {
        var name = userName?.Trim() ?? string.Empty;
        var user = name.Length == 0 || !ChatText.CanMatch(name, _options.MaxUserNameLength)
            ? null
            : await _users.FindByUserNameAsync(name, cancellationToken).ConfigureAwait(false);
        var member = user is null ? null : await _members.FindAsync(chatId, user.Id, cancellationToken).ConfigureAwait(false);
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

    /// <summary>The removed member hears of their own removal too, so their open connections close.</summary>
    private async Task RemoveAndPublishAsync(long chatId, long userId, CancellationToken cancellationToken, bool bar = false)
    {
        var before = await _members.GetMembersAsync(chatId, cancellationToken).ConfigureAwait(false);
        if (await _members.RemoveAsync(chatId, userId, bar, cancellationToken).ConfigureAwait(false))
        {
            await PublishAsync(chatId, userId, MembershipChange.Removed, before.Select(m => m.UserId).ToArray()).ConfigureAwait(false);
        }
    }

    private async Task PublishMemberChangeAsync(long chatId, long? userId, MembershipChange change, CancellationToken cancellationToken)
    {
        var members = await _members.GetMembersAsync(chatId, cancellationToken).ConfigureAwait(false);
        await PublishAsync(chatId, userId, change, members.Select(m => m.UserId).ToArray()).ConfigureAwait(false);
    }

    // The change is already stored: telling clients about it must not be cancelled half-way.
    private ValueTask PublishAsync(long chatId, long? userId, MembershipChange change, IReadOnlyList<long> affected) =>
        _events.PublishAsync(new ChatMembershipChanged(chatId, userId, change, affected), CancellationToken.None);

    private ChatException TooManyMembers() =>
        ChatErrors.Validation(ChatErrorCodes.TooManyMembers, $"A group can have at most {_options.MaxGroupMembers} members.");

    private static ChatException OwnerProtected() =>
        new(ChatErrorKind.Forbidden, ChatErrorCodes.OwnerProtected, "The group's owner cannot be removed or demoted.");
}
