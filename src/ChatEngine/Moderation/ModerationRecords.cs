namespace ChatEngine;

/// <summary>A user's block of another user (contract v2, section 6).</summary>
/// <param name="UserId">Who blocked.</param>
/// <param name="BlockedUserId">Whom.</param>
/// <param name="At">When.</param>
public sealed record UserBlock(long UserId, long BlockedUserId, DateTimeOffset At);

/// <summary>An admin's mute of a group member: they still read, but cannot send, edit, react, pin or upload.</summary>
/// <param name="Until">When it ends; <see langword="null"/> for good.</param>
/// <param name="ByUserId">The admin.</param>
/// <param name="At">When it was set.</param>
/// <param name="Reason">The admin's reason, for admins only.</param>
public sealed record MemberMute(DateTimeOffset? Until, long ByUserId, DateTimeOffset At, string? Reason = null)
{
    /// <summary>Whether the mute holds at <paramref name="now"/> (a mute that ran out holds no more, without any event).</summary>
    public bool IsActiveAt(DateTimeOffset now) => Until is not { } until || until > now;
}

/// <summary>
/// An admin's ban of a user from a group: it removes them, and refuses rejoining by code and being
/// re-added until it ends or is lifted.
/// </summary>
/// <param name="ChatId">The group.</param>
/// <param name="UserId">The banned user.</param>
/// <param name="Until">When it ends; <see langword="null"/> for good.</param>
/// <param name="Reason">The admin's reason, for admins only.</param>
/// <param name="ByUserId">The admin.</param>
/// <param name="At">When it was set.</param>
public sealed record ChatBan(long ChatId, long UserId, DateTimeOffset? Until, string? Reason, long ByUserId, DateTimeOffset At)
{
    /// <summary>Whether the ban holds at <paramref name="now"/>.</summary>
    public bool IsActiveAt(DateTimeOffset now) => Until is not { } until || until > now;
}

/// <summary>Why a message was reported.</summary>
public enum ReportReason
{
    /// <summary>Spam.</summary>
    Spam = 1,

    /// <summary>Abuse or harassment.</summary>
    Abuse = 2,

    /// <summary>Inappropriate content.</summary>
    Inappropriate = 3,

    /// <summary>Anything else (the note says what).</summary>
    Other = 4,
}

/// <summary>
/// A member's report of a message. The message is a snapshot from the time of the report, kept until
/// the report is resolved, so an edit or deletion afterwards does not hide what was reported.
/// </summary>
public sealed record ChatReport
{
    /// <summary>The report's id (0 until stored).</summary>
    public long Id { get; init; }

    /// <summary>The chat of the message.</summary>
    public required long ChatId { get; init; }

    /// <summary>The reported message.</summary>
    public required long MessageId { get; init; }

    /// <summary>Who reported it.</summary>
    public required long ReporterId { get; init; }

    /// <summary>Why.</summary>
    public required ReportReason Reason { get; init; }

    /// <summary>The reporter's note, if any.</summary>
    public string? Note { get; init; }

    /// <summary>When it was reported.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>The message's author.</summary>
    public required long MessageSenderId { get; init; }

    /// <summary>The message's text when it was reported.</summary>
    public required string MessageText { get; init; }

    /// <summary>When the message was sent.</summary>
    public required DateTimeOffset MessageSentAt { get; init; }
}
