namespace ChatEngine;

/// <summary>What a numbered change other than a new message did to its chat.</summary>
public enum ChatChangeKind
{
    /// <summary>Users joined or were added (also a chat's creation, its change 1).</summary>
    MemberAdded = 1,

    /// <summary>A member left or was removed.</summary>
    MemberRemoved = 2,

    /// <summary>A member's role changed.</summary>
    RoleChanged = 3,

    /// <summary>The group was renamed.</summary>
    ChatUpdated = 4,

    /// <summary>The chat was deleted. Nothing of it is kept, so this change is never replayed.</summary>
    ChatDeleted = 5,

    /// <summary>A message's text was edited.</summary>
    MessageUpdated = 6,

    /// <summary>A message was deleted (it stays as a tombstone).</summary>
    MessageDeleted = 7,

    /// <summary>A user added or removed a reaction to a message.</summary>
    ReactionChanged = 8,

    /// <summary>A message was pinned or unpinned.</summary>
    PinChanged = 9,

    /// <summary>An admin muted or unmuted a group member (<see cref="ChatChange.On"/>, <see cref="ChatChange.Until"/>).</summary>
    MemberMuted = 10,
}

/// <summary>Why a member left a chat.</summary>
public enum MemberRemovalReason
{
    /// <summary>They left.</summary>
    Left = 1,

    /// <summary>An admin removed them.</summary>
    Removed = 2,

    /// <summary>An admin banned them (<see cref="ChatChange.Until"/> says until when).</summary>
    Banned = 3,

    /// <summary>They erased their chat data.</summary>
    Erased = 4,
}

/// <summary>A member a change is about, with the role the change gave or found them in.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Role">Their role.</param>
public sealed record ChangedMember(long UserId, ChatRole Role)
{
    /// <summary>Their user name, filled in by the core from the user directory (stores keep ids only).</summary>
    public string UserName { get; init; } = string.Empty;
}

/// <summary>
/// A change of a chat that takes the chat's next <see cref="Seq"/>, other than a new message (a
/// message carries its own <see cref="ChatMessage.Seq"/>). It describes the resulting state, never a delta.
/// </summary>
public sealed record ChatChange
{
    /// <summary>The chat.</summary>
    public required long ChatId { get; init; }

    /// <summary>Its number in the chat's change log; 0 when the store keeps no change log.</summary>
    public long Seq { get; init; }

    /// <summary>What changed.</summary>
    public required ChatChangeKind Kind { get; init; }

    /// <summary>When it was committed.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>
    /// Who made it: the admin, the joiner, the one who left. <see langword="null"/> for what the engine
    /// did by itself (an automatic successor) and for the creation of a private chat, which has no creator.
    /// </summary>
    public long? ByUserId { get; init; }

    /// <summary>
    /// The members concerned: those added (<see cref="ChatChangeKind.MemberAdded"/>), the one removed, or
    /// the one whose role changed, with the new role.
    /// </summary>
    public IReadOnlyList<ChangedMember> Members { get; init; } = [];

    /// <summary>For <see cref="ChatChangeKind.MemberRemoved"/>: why.</summary>
    public MemberRemovalReason? Reason { get; init; }

    /// <summary>For <see cref="ChatChangeKind.ChatUpdated"/>: the new name.</summary>
    public string? Name { get; init; }

    /// <summary>For the message changes: the message.</summary>
    public long? MessageId { get; init; }

    /// <summary>For a mute, or a removal by ban: when it ends (<see langword="null"/> for good).</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>For <see cref="ChatChangeKind.ReactionChanged"/>: the emoji (the user is <see cref="Members"/>' only entry).</summary>
    public string? Emoji { get; init; }

    /// <summary>
    /// For <see cref="ChatChangeKind.ReactionChanged"/>: added or removed; for <see cref="ChatChangeKind.PinChanged"/>:
    /// pinned or unpinned; for <see cref="ChatChangeKind.MemberMuted"/>: muted or unmuted.
    /// </summary>
    public bool? On { get; init; }

    /// <summary>For <see cref="ChatChangeKind.MessageUpdated"/>: the edit's client id, if it had one.</summary>
    public string? ClientId { get; init; }

    /// <summary>
    /// For the message changes: the message as it is now, and for <see cref="ChatChangeKind.ReactionChanged"/>
    /// the emoji's count now. Filled in by the engine (stores keep ids only), so a replay shows the current state.
    /// </summary>
    public ChatMessage? Message { get; init; }

    /// <summary>For <see cref="ChatChangeKind.ReactionChanged"/>: how many users reacted with the emoji after the change (or now, in a replay).</summary>
    public int? Count { get; init; }
}

/// <summary>One numbered change of a chat as the log replays it: a message as it is now, or another change.</summary>
/// <param name="Seq">Its number.</param>
/// <param name="Message">The message, for a new message.</param>
/// <param name="Change">The change, for everything else.</param>
public sealed record ChatLogEntry(long Seq, ChatMessage? Message, ChatChange? Change)
{
    /// <summary>When the change was committed.</summary>
    public DateTimeOffset Time => Message?.SentAt ?? Change!.Time;
}

/// <summary>A chat's change was committed. Raised after the commit, in the chat's order on this host.</summary>
/// <param name="Change">The change, with user names.</param>
/// <param name="AffectedUserIds">The users who should hear of it: the members before the change and any added.</param>
public sealed record ChatChanged(ChatChange Change, IReadOnlyList<long> AffectedUserIds) : ChatEvent;
