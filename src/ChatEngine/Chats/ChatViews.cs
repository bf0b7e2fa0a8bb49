namespace ChatEngine;

/// <summary>One entry of a user's chat list.</summary>
/// <param name="ChatId">The chat.</param>
/// <param name="Title">The other user's name for a private chat; the group's name for a group.</param>
/// <param name="LastMessage">The newest message's text, if any.</param>
/// <param name="Unread">Messages the user has not read.</param>
/// <param name="Time">The newest activity: the last message's time, or the chat's creation.</param>
public sealed record ChatListItem(long ChatId, string Title, string? LastMessage, long Unread, DateTimeOffset Time)
{
    /// <summary>The chat's change number when the list was read: following the chat from it misses nothing.</summary>
    public long Seq { get; init; }

    /// <summary>For a private chat, whether the other user is online now; always false for a group.</summary>
    public bool IsOnline { get; init; }

    /// <summary>Unread messages that mention the user (not counting deleted ones).</summary>
    public long Mentions { get; init; }

    /// <summary>The user's notification settings for the chat.</summary>
    public ChatNotificationSettings Notifications { get; init; } = new(NotifyLevel.All, null);

    /// <summary>For a private chat, whether the user blocked the other user (whose presence then shows as offline, never seen).</summary>
    public bool Blocked { get; init; }
}

/// <summary>A group member an admin muted, and until when (<see langword="null"/>: for good).</summary>
public sealed record MutedMember(ChatUser User, DateTimeOffset? Until);

/// <summary>Who read a message and when.</summary>
public sealed record MessageReader(long UserId, string UserName, DateTimeOffset ReadAt);

/// <summary>A message as shown in history, with its sender's name and its readers.</summary>
/// <param name="Message">The message.</param>
/// <param name="Sender">Its sender.</param>
/// <param name="ReadBy">Members other than the sender who read it, earliest first.</param>
public sealed record MessageView(ChatMessage Message, ChatUser Sender, IReadOnlyList<MessageReader> ReadBy)
{
    /// <summary>The quote of the message it replies to, as that message is now; <see langword="null"/> without one.</summary>
    public ReplyPreview? ReplyPreview { get; init; }

    /// <summary>Its reactions, counted, in order of first use, each saying whether the viewer chose it.</summary>
    public IReadOnlyList<ReactionCount> Reactions { get; init; } = [];

    /// <summary>The files it carries, in order; none once it is deleted.</summary>
    public IReadOnlyList<ChatAttachment> Attachments { get; init; } = [];
}

/// <summary>What a reply shows of the message it quotes, read when shown, so it follows edits and deletes.</summary>
/// <param name="Id">The quoted message.</param>
/// <param name="SenderId">Its sender.</param>
/// <param name="SenderUserName">Its sender's name.</param>
/// <param name="Text">Its first characters (<see cref="ChatMessageOptions.ReplyPreviewLength"/>); empty once it is deleted.</param>
/// <param name="Deleted">Whether it was deleted.</param>
/// <param name="Attachments">How many files it carries.</param>
public sealed record ReplyPreview(long Id, long SenderId, string SenderUserName, string Text, bool Deleted, int Attachments);

/// <summary>A user with their presence.</summary>
public sealed record UserPresence(ChatUser User, bool IsOnline, DateTimeOffset? LastSeen);

/// <summary>A member of a chat as clients see it.</summary>
public sealed record ChatMemberView(ChatUser User, ChatRole Role);

/// <summary>A chat as its members see it: a page of history, its members and the presence of the others.</summary>
public sealed record ChatDetail
{
    /// <summary>The chat.</summary>
    public required Chat Chat { get; init; }

    /// <summary>The other user's name for a private chat; the group's name for a group.</summary>
    public required string Title { get; init; }

    /// <summary>The caller's membership.</summary>
    public required ChatMember Viewer { get; init; }

    /// <summary>The caller's notification settings for the chat.</summary>
    public ChatNotificationSettings Notifications { get; init; } = new(NotifyLevel.All, null);

    /// <summary>Every member, longest-standing first.</summary>
    public required IReadOnlyList<ChatMemberView> Members { get; init; }

    /// <summary>The page of messages, oldest first.</summary>
    public required IReadOnlyList<MessageView> Messages { get; init; }

    /// <summary>Whether older messages exist before this page.</summary>
    public required bool HasMore { get; init; }

    /// <summary>Whether the other user (any other member, for a group) is online.</summary>
    public required bool IsOnline { get; init; }

    /// <summary>When the other user (the most recent of the other members, for a group) was last seen.</summary>
    public DateTimeOffset? LastSeen { get; init; }

    /// <summary>The join code, shown to admins only.</summary>
    public string? JoinCode => Viewer.IsAdmin ? Chat.JoinCode : null;

    /// <summary>For a page around a message: whether newer messages exist after it; otherwise <see langword="null"/>.</summary>
    public bool? HasNewer { get; init; }

    /// <summary>The chat's change number, read before the page: following the chat from it may repeat a change the page shows, but never misses one.</summary>
    public long Seq { get; init; }

    /// <summary>For a private chat, whether the caller blocked the other user.</summary>
    public bool Blocked { get; init; }

    /// <summary>For a group, the members whose mute holds now.</summary>
    public IReadOnlyList<MutedMember> Muted { get; init; } = [];
}

/// <summary>Which page of a chat's history to read.</summary>
public sealed record ChatPageQuery
{
    /// <summary>The page before this message (older history).</summary>
    public long? Before { get; init; }

    /// <summary>The page centred on this message (a search hit, a quoted message); it never marks the chat read.</summary>
    public long? Around { get; init; }

    /// <summary>Messages on the page; the configured default when <see langword="null"/>.</summary>
    public int? Limit { get; init; }

    /// <summary>Whether reading the newest page marks the chat read (<see langword="false"/> for background refreshes). Default <see langword="true"/>.</summary>
    public bool MarkRead { get; init; } = true;
}

/// <summary>A group with its members, as returned by group operations.</summary>
/// <param name="Chat">The group.</param>
/// <param name="Members">Its members, longest-standing first.</param>
/// <param name="Viewer">The caller's membership.</param>
public sealed record GroupView(Chat Chat, IReadOnlyList<ChatMemberView> Members, ChatMember Viewer)
{
    /// <summary>The chat's change number when the group was read.</summary>
    public long Seq { get; init; }

    /// <summary>The join code, shown to admins only.</summary>
    public string? JoinCode => Viewer.IsAdmin ? Chat.JoinCode : null;

    /// <summary>The caller's notification settings for the group.</summary>
    public ChatNotificationSettings Notifications { get; init; } = new(NotifyLevel.All, null);

    /// <summary>The members whose mute holds now.</summary>
    public IReadOnlyList<MutedMember> Muted { get; init; } = [];
}
