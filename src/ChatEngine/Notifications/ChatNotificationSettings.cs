namespace ChatEngine;

/// <summary>What of a chat notifies a member (push, and host notifiers); never what events, counts or sync carry.</summary>
public enum NotifyLevel
{
    /// <summary>Every new message (the default).</summary>
    All = 0,

    /// <summary>Only messages that mention the member; in a private chat every message counts as one.</summary>
    Mentions = 1,

    /// <summary>Nothing.</summary>
    None = 2,
}

/// <summary>A member's notification settings for one chat.</summary>
/// <param name="Level">What notifies them.</param>
/// <param name="MutedUntil">While this lies ahead, nothing notifies; <see langword="null"/> for no mute.</param>
public sealed record ChatNotificationSettings(NotifyLevel Level, DateTimeOffset? MutedUntil)
{

    /// <summary>Whether a new message notifies the member now.</summary>
    /// <param name="chatKind">The chat's kind (in a private chat every message counts as a mention).</param>
    /// <param name="mentioned">Whether the message mentions the member.</param>
    /// <param name="now">The current time, for the mute.</param>
    public bool Notifies(ChatKind chatKind, bool mentioned, DateTimeOffset now) =>
        (MutedUntil is not { } until || until <= now)
        && Level switch
        {
            NotifyLevel.All => true,
            NotifyLevel.Mentions => mentioned || chatKind == ChatKind.Private,
            _ => false,
        };
}
