namespace ChatEngine;

/// <summary>
/// A member reported a message. Raised once per report (a repeat by the same reporter raises nothing):
/// transports tell a group's admins on their user streams, webhooks send the <c>report</c> event, and
/// <see cref="IModerationSink"/>s hear of it. The reported user is never told.
/// </summary>
/// <param name="Report">The report, with names.</param>
/// <param name="Chat">The chat of the message.</param>
/// <param name="AdminIds">Who may act on it in the chat: a group's admins; nobody for a private chat (the host only).</param>
public sealed record MessageReported(ChatReportView Report, Chat Chat, IReadOnlyList<long> AdminIds) : ChatEvent;

/// <summary>A user blocked or unblocked someone: what they block now, so each host filters what reaches them.</summary>
/// <param name="UserId">Who blocked or unblocked.</param>
/// <param name="BlockedUserIds">Everyone they block now.</param>
public sealed record UserBlocksChanged(long UserId, IReadOnlyList<long> BlockedUserIds) : ChatEvent;

/// <summary>
/// The host's moderation hook: told of every new report, in a group or a private chat (where it is
/// the only one told). Register with <c>AddModerationSink&lt;T&gt;()</c> (scoped). It runs after the
/// report is stored, on the reporter's request; a failure is logged and does not undo the report.
/// </summary>
public interface IModerationSink
{
    /// <summary>A member reported a message.</summary>
    Task OnReportedAsync(ChatReportView report, Chat chat, CancellationToken cancellationToken);
}

/// <summary>A report with the names it is shown with.</summary>
/// <param name="Report">The report, with its snapshot of the message.</param>
/// <param name="Reporter">Who reported it.</param>
/// <param name="Sender">The message's author.</param>
public sealed record ChatReportView(ChatReport Report, ChatUser Reporter, ChatUser Sender);

/// <summary>A report as the host's own moderators see it: with its chat, whichever it is.</summary>
/// <param name="Report">The report, with names.</param>
/// <param name="Chat">The chat of the message.</param>
/// <param name="MessageGone">Whether the message was deleted (or removed by retention) since: only its snapshot is left.</param>
public sealed record HostReportView(ChatReportView Report, Chat Chat, bool MessageGone);

/// <summary>A user the caller blocked, and since when.</summary>
/// <param name="User">The blocked user.</param>
/// <param name="At">When they were blocked.</param>
public sealed record BlockedUserView(ChatUser User, DateTimeOffset At);
