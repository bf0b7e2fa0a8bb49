namespace ChatEngine;

/// <summary>A change that clients must see. Every transport receives every event through <see cref="IChatEventHandler"/>.</summary>
public abstract record ChatEvent;

/// <summary>A message was committed to the store. Raised only after the commit.</summary>
/// <param name="Message">The committed message.</param>
/// <param name="Sender">Its sender.</param>
public sealed record MessageCommitted(ChatMessage Message, ChatUser Sender) : ChatEvent
{
    /// <summary>The quote of the message it replies to, if any.</summary>
    public ReplyPreview? ReplyPreview { get; init; }

    /// <summary>Its reactions: none for a new message; a replay shows them as they are now.</summary>
    public IReadOnlyList<ReactionCount> Reactions { get; init; } = [];

    /// <summary>The files it carries, in order.</summary>
    public IReadOnlyList<ChatAttachment> Attachments { get; init; } = [];
}

/// <summary>A member read a chat up to a message.</summary>
public sealed record MessagesRead(long ChatId, ChatUser Reader, long UpToMessageId, long UpToSequence, DateTimeOffset ReadAt) : ChatEvent
{
    /// <summary>Whether the chat is a private one: a reader the other member blocked is not shown reading there.</summary>
    public bool InPrivateChat { get; init; }
}

/// <summary>A member is typing in a chat.</summary>
public sealed record UserTyping(long ChatId, ChatUser User) : ChatEvent;

/// <summary>A user came online (first connection) or went offline (last connection closed).</summary>
/// <param name="User">The user.</param>
/// <param name="IsOnline">Whether they are online now.</param>
/// <param name="LastSeen">When they were last seen, if ever.</param>
/// <param name="ChatIds">Every chat the user is a member of: the chats that should hear of it.</param>
public sealed record PresenceChanged(ChatUser User, bool IsOnline, DateTimeOffset? LastSeen, IReadOnlyList<long> ChatIds) : ChatEvent;

/// <summary>
/// The host ended a user's sign-ins (signed out everywhere, a new password, a suspended or deleted
/// account): every live connection of theirs closes, on every host, so none outlives the credentials
/// it was opened with.
/// </summary>
/// <param name="UserId">The user.</param>
public sealed record UserSessionsEnded(long UserId) : ChatEvent;

/// <summary>What changed about a chat's membership.</summary>
public enum MembershipChange
{
    /// <summary>The user joined or was added.</summary>
    Added,
    /// <summary>The user left or was removed.</summary>
    Removed,
    /// <summary>The user's role changed.</summary>
    RoleChanged,
    /// <summary>The group was renamed or its join code changed.</summary>
    ChatUpdated,
    /// <summary>The chat was deleted; every member is gone.</summary>
    ChatDeleted,
}

/// <summary>A chat's membership or settings changed. Transports drop connections of users who are no longer members.</summary>
/// <param name="ChatId">The chat.</param>
/// <param name="UserId">The member concerned, or <see langword="null"/> for chat-wide changes.</param>
/// <param name="Change">What changed.</param>
/// <param name="AffectedUserIds">The users who should hear of it (members before the change).</param>
public sealed record ChatMembershipChanged(long ChatId, long? UserId, MembershipChange Change, IReadOnlyList<long> AffectedUserIds) : ChatEvent;
