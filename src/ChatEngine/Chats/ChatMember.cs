namespace ChatEngine;

/// <summary>A member's role in a chat. Private chat members are plain members.</summary>
public enum ChatRole
{
    /// <summary>Can read, send and leave.</summary>
    Member = 0,

    /// <summary>Can also change the group.</summary>
    Admin = 1,

    /// <summary>The creator: an admin that other admins cannot remove or demote.</summary>
    Owner = 2,
}

/// <summary>A user's membership of a chat, with their read position.</summary>
public sealed record ChatMember
{
    /// <summary>The chat.</summary>
    public required long ChatId { get; init; }

    /// <summary>The member.</summary>
    public required long UserId { get; init; }

    /// <summary>The member's role.</summary>
    public ChatRole Role { get; init; }

    /// <summary>When the user joined; the longest-standing member is next in line for admin.</summary>
    public required DateTimeOffset JoinedAt { get; init; }

    /// <summary>The sequence up to which the member has read (their own sends included).</summary>
    public long LastReadSequence { get; init; }

    /// <summary>What of the chat notifies the member (see <see cref="IChatNotificationStore"/>); <see langword="null"/> until they choose (<see cref="ChatNotificationOptions.DefaultLevel"/> then).</summary>
    public NotifyLevel? NotifyLevel { get; init; }

    /// <summary>Until when nothing of the chat notifies the member; <see langword="null"/> for no mute.</summary>
    public DateTimeOffset? MutedUntil { get; init; }

    /// <summary>An admin's mute of the member (see <see cref="IChatModerationStore"/>), which may have run out; <see langword="null"/> for none.</summary>
    public MemberMute? Mute { get; init; }

    /// <summary>Whether the member may change the group.</summary>
    public bool IsAdmin => Role >= ChatRole.Admin;
}
