namespace ChatEngine;

/// <summary>What a push tells a device (contract v2, section 5: the push payload).</summary>
/// <param name="ChatId">The chat.</param>
/// <param name="MessageId">The message.</param>
/// <param name="Seq">Its change number.</param>
/// <param name="ChatName">The group's name, or for a private chat the sender's.</param>
/// <param name="SenderUserName">Who sent it.</param>
/// <param name="Text">Its first characters (<see cref="ChatPushOptions.PreviewLength"/>); <see langword="null"/> when <see cref="ChatPushOptions.IncludeText"/> is off.</param>
/// <param name="Unread">The recipient's unread messages in the chat.</param>
/// <param name="Mentioned">Whether it mentions the recipient (pushed as urgent).</param>
public sealed record ChatPushMessage(long ChatId, long MessageId, long Seq, string ChatName, string SenderUserName, string? Text, long Unread, bool Mentioned);

/// <summary>What became of one push.</summary>
public enum ChatPushResult
{
    /// <summary>The push service took it.</summary>
    Delivered,

    /// <summary>The device is gone (404 or 410): its subscription is removed.</summary>
    Gone,

    /// <summary>Try again later (429 or 5xx).</summary>
    RetryLater,

    /// <summary>Refused for good.</summary>
    Failed,
}

/// <summary>
/// Sends pushes of a kind ChatEngine does not send itself (<c>fcm</c>, <c>apns</c>): a host adds one with
/// <c>AddPushSender&lt;T&gt;()</c>, and subscriptions of its <see cref="Kind"/> are accepted. Web Push is built in.
/// </summary>
public interface IChatPushSender
{
    /// <summary>The subscription kind it sends (<c>fcm</c>, <c>apns</c>).</summary>
    string Kind { get; }

    /// <summary>Sends one push to one device.</summary>
    Task<ChatPushResult> SendAsync(ChatPushSubscription subscription, ChatPushMessage message, CancellationToken cancellationToken);
}
