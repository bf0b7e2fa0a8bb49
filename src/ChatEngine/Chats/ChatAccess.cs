namespace ChatEngine;

/// <summary>
/// The membership check every operation starts with. A non-member learns nothing, not even that
/// the chat exists, so both cases are the same "not found".
/// </summary>
internal sealed class ChatAccess(IChatStore chats, IChatMemberStore members, IChatUserDirectory users, IChatModerationStore? moderation, TimeProvider time)
{
    /// <summary>The moderation store, when the app has one (see <see cref="IChatModerationStore"/>).</summary>
    public IChatModerationStore? Moderation => moderation;

    public async Task<(Chat Chat, ChatMember Member)> RequireMemberAsync(long userId, long chatId, CancellationToken cancellationToken)
    {
        var member = await members.FindAsync(chatId, userId, cancellationToken).ConfigureAwait(false) ?? throw ChatErrors.ChatNotFound();
        var chat = await chats.FindByIdAsync(chatId, cancellationToken).ConfigureAwait(false) ?? throw ChatErrors.ChatNotFound();
        return (chat, member);
    }

    public async Task<(Chat Chat, ChatMember Member)> RequireGroupAdminAsync(long userId, long chatId, CancellationToken cancellationToken)
    {
        var (chat, member) = await RequireMemberAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        if (chat.Kind != ChatKind.Group)
        {
            throw ChatErrors.NotAGroup();
        }

        if (!member.IsAdmin)
        {
            throw ChatErrors.NotAdmin();
        }

        return (chat, member);
    }

    /// <summary>
    /// Membership, and the right to change the chat's content: a member an admin muted cannot (send,
    /// edit, react, pin, upload), nor, where <paramref name="blocksApply"/> (send, react, upload), can
    /// either user of a private chat with a block between them, or the one left in a private chat
    /// whose other member erased their data.
    /// </summary>
    public async Task<(Chat Chat, ChatMember Member)> RequireMayPostAsync(long userId, long chatId, bool blocksApply, CancellationToken cancellationToken)
    {
        var (chat, member) = await RequireMemberAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        if (member.Mute is { } mute && mute.IsActiveAt(time.GetUtcNow()))
        {
            throw ChatErrors.Muted(mute.Until);
        }

        if (blocksApply && chat.Pair is { } pair)
        {
            // A private chat whose other member erased their data keeps its history, and nothing more.
            if ((await members.GetMembersAsync(chatId, cancellationToken).ConfigureAwait(false)).Count < 2)
            {
                throw ChatErrors.UserErased();
            }

            if (await IsBlockedPairAsync(pair, cancellationToken).ConfigureAwait(false))
            {
                throw ChatErrors.Blocked();
            }
        }

        return (chat, member);
    }

    /// <summary>Whether either user of the pair blocks the other.</summary>
    public async Task<bool> IsBlockedPairAsync(PrivatePair pair, CancellationToken cancellationToken) =>
        moderation is not null
        && ((await moderation.GetBlockersAsync(pair.LowUserId, [pair.HighUserId], cancellationToken).ConfigureAwait(false)).Count > 0
            || (await moderation.GetBlockersAsync(pair.HighUserId, [pair.LowUserId], cancellationToken).ConfigureAwait(false)).Count > 0);

    /// <summary>Which of <paramref name="userIds"/> block <paramref name="blockedUserId"/> (none without a moderation store).</summary>
    public async Task<IReadOnlyList<long>> GetBlockersAsync(long blockedUserId, IReadOnlyCollection<long> userIds, CancellationToken cancellationToken) =>
        moderation is null || userIds.Count == 0 ? [] : await moderation.GetBlockersAsync(blockedUserId, userIds, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The user a caller names (trimmed); null for none, and for a name no user can have (too long, or
    /// unstorable), which never reaches the directory.
    /// </summary>
    public async Task<ChatUser?> FindUserByNameAsync(string? userName, int maxLength, CancellationToken cancellationToken)
    {
        var name = userName?.Trim() ?? string.Empty;
        return name.Length == 0 || !ChatText.CanMatch(name, maxLength)
            ? null
            : await users.FindByUserNameAsync(name, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ChatUser> RequireUserAsync(long userId, CancellationToken cancellationToken) =>
        await users.FindByIdAsync(userId, cancellationToken).ConfigureAwait(false) ?? throw ChatErrors.UserNotFound();

    public async Task<IReadOnlyList<ChatMemberView>> GetMemberViewsAsync(IReadOnlyList<ChatMember> chatMembers, CancellationToken cancellationToken)
    {
        var known = await users.GetByIdsAsync(chatMembers.Select(m => m.UserId).ToArray(), cancellationToken).ConfigureAwait(false);
        return chatMembers.Select(m => new ChatMemberView(known.GetValueOrDefault(m.UserId) ?? UnknownUser(m.UserId), m.Role)).ToArray();
    }

    /// <summary>
    /// Stands in for a user the host has deleted (an erased one included), so their old messages still
    /// render: the numeric id stays, the name is <see cref="ChatPrivacyOptions.DeletedUserName"/>.
    /// </summary>
    public Task<Chat?> FindChatAsync(long chatId, CancellationToken cancellationToken) => chats.FindByIdAsync(chatId, cancellationToken);

    public static ChatUser UnknownUser(long userId) => new(userId, ChatPrivacyOptions.DeletedUserNameInUse);
}
