namespace ChatEngine;

/// <summary>
/// Erases a user's chat data (contract v2, section 6): ChatEngine's part of a user's deletion. A host
/// calls it from its own account deletion (it erases chat data only; the account is the host's to
/// delete); <c>DELETE /me</c> calls it too, then the host's <c>IAccountErasure</c>.
/// </summary>
public interface IUserErasure
{
    /// <summary>
    /// Takes the user out of every chat (groups see <see cref="MemberRemovalReason.Erased"/>; private chats
    /// stay for the other member, who can no longer send there), makes their messages tombstones shown
    /// as <see cref="ChatPrivacyOptions.DeletedUserName"/>, and removes their reactions (with events),
    /// files, read marks, push subscriptions, blocks and report notes. Erasing twice is harmless.
    /// </summary>
    Task EraseAsync(long userId, CancellationToken cancellationToken = default);
}

/// <summary>
/// Told, in a scope of its own, when a user's chat data was erased: the webhooks' <c>user_erased</c>
/// delivery is written by one. Register with <c>AddUserErasureParticipant&lt;T&gt;()</c> (scoped).
/// </summary>
public interface IUserErasureParticipant
{
    /// <summary>The user's chat data is erased.</summary>
    Task OnUserErasedAsync(long userId, CancellationToken cancellationToken);
}

/// <summary>A user's chat data was erased.</summary>
/// <param name="UserId">The user.</param>
public sealed record UserErased(long UserId) : ChatEvent;

/// <summary>A chat as a user's export lists it, with their membership.</summary>
/// <param name="Chat">The chat.</param>
/// <param name="Name">The group's name, or the other user's for a private chat.</param>
/// <param name="Member">The user's membership: role, join time, read position, notification settings.</param>
/// <param name="ReadUpTo">The id of the newest message the user has read, if any.</param>
public sealed record ExportedChat(Chat Chat, string Name, ChatMember Member, long? ReadUpTo);

/// <summary>One of the user's messages, with its files' metadata.</summary>
/// <param name="Message">The message.</param>
/// <param name="Attachments">Its files.</param>
public sealed record ExportedMessage(ChatMessage Message, IReadOnlyList<ChatAttachment> Attachments);

/// <summary>Everything ChatEngine holds about a user but their messages, which are read chat by chat (<see cref="ChatUserData.GetOwnMessagesAsync"/>).</summary>
public sealed record UserDataExport
{
    /// <summary>The user.</summary>
    public required ChatUser User { get; init; }

    /// <summary>When the export was made.</summary>
    public required DateTimeOffset ExportedAt { get; init; }

    /// <summary>The user's chats and memberships.</summary>
    public required IReadOnlyList<ExportedChat> Chats { get; init; }

    /// <summary>The user's reactions.</summary>
    public required IReadOnlyList<MessageReaction> Reactions { get; init; }

    /// <summary>The messages the user pinned.</summary>
    public required IReadOnlyList<ChatMessage> Pins { get; init; }

    /// <summary>The users the user blocked.</summary>
    public required IReadOnlyList<BlockedUserView> Blocks { get; init; }

    /// <summary>The user's push subscriptions.</summary>
    public required IReadOnlyList<ChatPushSubscription> PushSubscriptions { get; init; }

    /// <summary>The open reports the user filed.</summary>
    public required IReadOnlyList<ChatReport> Reports { get; init; }
}
