namespace ChatEngine;

/// <summary>One chat of a user's chat list, as the store reads it in a constant number of round trips.</summary>
public sealed record ChatSummary
{
    /// <summary>The chat.</summary>
    public required Chat Chat { get; init; }

    /// <summary>The newest message, if any.</summary>
    public ChatMessage? LastMessage { get; init; }

    /// <summary>The user's read position in the chat.</summary>
    public long LastReadSequence { get; init; }

    /// <summary>The user's chosen notification level for the chat; <see langword="null"/> until they choose.</summary>
    public NotifyLevel? NotifyLevel { get; init; }

    /// <summary>Until when the chat is muted for the user; <see langword="null"/> for no mute.</summary>
    public DateTimeOffset? MutedUntil { get; init; }

    /// <summary>Messages after the user's read position that mention the user and are not deleted.</summary>
    public long Mentions { get; init; }

    /// <summary>Messages after the user's read position.</summary>
    public long Unread => Math.Max(0, Chat.LastSequence - LastReadSequence);

    /// <summary>When the chat last changed: its newest message, or its creation.</summary>
    public DateTimeOffset LastActivityAt => LastMessage?.SentAt ?? Chat.CreatedAt;
}
