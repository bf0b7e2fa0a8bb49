namespace ChatEngine;

/// <summary>
/// The membership check every operation starts with. A non-member learns nothing, not even that
/// the chat exists, so both cases are the same "not found".
/// </summary>
internal sealed class ChatAccess(IChatStore chats, IChatMemberStore members, IChatUserDirectory users)
{
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

    public async Task<ChatUser> RequireUserAsync(long userId, CancellationToken cancellationToken) =>
        await users.FindByIdAsync(userId, cancellationToken).ConfigureAwait(false) ?? throw ChatErrors.UserNotFound();

    public async Task<IReadOnlyList<ChatMemberView>> GetMemberViewsAsync(IReadOnlyList<ChatMember> chatMembers, CancellationToken cancellationToken)
    {
        var known = await users.GetByIdsAsync(chatMembers.Select(m => m.UserId).ToArray(), cancellationToken).ConfigureAwait(false);
        return chatMembers.Select(m => new ChatMemberView(known.GetValueOrDefault(m.UserId) ?? UnknownUser(m.UserId), m.Role)).ToArray();
    }

    /// <summary>Stands in for a user the host has deleted, so their old messages still render.</summary>
    public static ChatUser UnknownUser(long userId) => new(userId, $"user{userId}");
}
