namespace ChatEngine;

/// <summary>
/// Where a user's sync stands (what a <c>/sync/</c> cursor holds): for each chat they were in, the
/// change number and unread count they were last given, and when it was issued. Transports sign it
/// before handing it out, so the engine trusts what it is given back.
/// </summary>
/// <param name="UserId">Whose it is: anyone else's is unusable.</param>
/// <param name="IssuedAt">When it was issued.</param>
/// <param name="Chats">Each chat's position.</param>
public sealed record SyncPosition(long UserId, DateTimeOffset IssuedAt, IReadOnlyDictionary<long, SyncChatPosition> Chats);

/// <summary>How far one chat was synced.</summary>
/// <param name="Seq">The last change number given.</param>
/// <param name="Unread">The unread count given with it: a change here (a read on another device) makes the chat sync again.</param>
/// <param name="Kind">The chat's kind, which decides whose reads and presence a user stream carries.</param>
public readonly record struct SyncChatPosition(long Seq, long Unread, ChatKind Kind);

/// <summary>Why a user is no longer in a chat.</summary>
public enum ChatRemovalReason
{
    /// <summary>They left.</summary>
    Left = 1,

    /// <summary>An admin removed them.</summary>
    Removed = 2,

    /// <summary>The chat was deleted.</summary>
    Deleted = 3,

    /// <summary>An admin banned them.</summary>
    Banned = 4,

    /// <summary>They erased their chat data.</summary>
    Erased = 5,
}

/// <summary>A user joined, created or was added to a chat: it starts on their list (user streams and sync only).</summary>
/// <param name="UserId">The user.</param>
/// <param name="Kind">The chat's kind.</param>
/// <param name="Chat">The chat as their list shows it, with the change number it reflects.</param>
public sealed record ChatAdded(long UserId, ChatKind Kind, ChatListItem Chat) : ChatEvent;

/// <summary>A user is no longer in a chat: it leaves their list (user streams and sync only).</summary>
/// <param name="UserId">The user.</param>
/// <param name="ChatId">The chat.</param>
/// <param name="Seq">The change that removed them (the last known one, for a deleted chat).</param>
/// <param name="Reason">Why.</param>
public sealed record ChatRemoved(long UserId, long ChatId, long Seq, ChatRemovalReason Reason) : ChatEvent;

/// <summary>A user's exact unread and mention counts in a chat as of a change number (user streams and sync only).</summary>
/// <param name="UserId">The user.</param>
/// <param name="ChatId">The chat.</param>
/// <param name="Seq">The change number the counts are as of.</param>
/// <param name="Unread">Unread messages.</param>
/// <param name="Mentions">Unread, not deleted messages that mention the user.</param>
public sealed record UnreadCounted(long UserId, long ChatId, long Seq, long Unread, long Mentions) : ChatEvent;

/// <summary>A user changed their notification settings for a chat: their other devices hear of it.</summary>
/// <param name="UserId">The user.</param>
/// <param name="ChatId">The chat.</param>
/// <param name="Settings">The settings now.</param>
public sealed record NotificationSettingsChanged(long UserId, long ChatId, ChatNotificationSettings Settings) : ChatEvent;

/// <summary>One page of a user's sync.</summary>
/// <param name="Events">
/// In each chat's order (chats in no order): <see cref="ChatAdded"/>, <see cref="ChatRemoved"/>, the
/// chat's changes (<see cref="MessageCommitted"/>, <see cref="ChatChanged"/>), then <see cref="MessagesRead"/>
/// and one <see cref="UnreadCounted"/> for each chat that appears.
/// </param>
/// <param name="Next">Where to sync on from.</param>
/// <param name="HasMore">More is waiting: sync again at once from <paramref name="Next"/>.</param>
/// <param name="Limited">The position was unusable (another user's, too old, or none): nothing was replayed; reload everything.</param>
/// <param name="LimitedChats">Chats with too many changes to replay: reload their pages.</param>
public sealed record SyncPage(IReadOnlyList<ChatEvent> Events, SyncPosition Next, bool HasMore, bool Limited, IReadOnlyList<long> LimitedChats);
