namespace ChatEngine;

/// <summary>
/// Blocks, group mutes and bans, and reports (contract v2, section 6). An optional store interface:
/// without one, moderation is refused as not supported and nothing is ever blocked, muted or banned.
/// Stores only persist; <see cref="ModerationService"/> holds the rules. A store that implements it
/// must also refuse, in its <see cref="IMessageStore.AppendAsync"/>, a send by a member whose mute
/// holds at the message's time (<see cref="ChatErrorCodes.Muted"/>) and a send to a private chat of
/// a pair with a block either way (<see cref="ChatErrorCodes.Blocked"/>), so the check commits with the write.
/// </summary>
public interface IChatModerationStore
{
    /// <summary>Records a block; false when the user had blocked that user already.</summary>
    Task<bool> AddBlockAsync(UserBlock block, CancellationToken cancellationToken);

    /// <summary>Lifts a block; false when there was none.</summary>
    Task<bool> RemoveBlockAsync(long userId, long blockedUserId, CancellationToken cancellationToken);

    /// <summary>The blocks the user made, oldest first.</summary>
    Task<IReadOnlyList<UserBlock>> GetBlocksAsync(long userId, CancellationToken cancellationToken);

    /// <summary>Which of <paramref name="userIds"/> block <paramref name="blockedUserId"/>.</summary>
    Task<IReadOnlyList<long>> GetBlockersAsync(long blockedUserId, IReadOnlyCollection<long> userIds, CancellationToken cancellationToken);

    /// <summary>Sets (or with <see langword="null"/> lifts) a member's mute; false when they are not a member.</summary>
    Task<bool> SetMuteAsync(long chatId, long userId, MemberMute? mute, CancellationToken cancellationToken);

    /// <summary>Records a ban, replacing the user's earlier one in that chat.</summary>
    Task SetBanAsync(ChatBan ban, CancellationToken cancellationToken);

    /// <summary>Lifts a ban; false when there was none.</summary>
    Task<bool> RemoveBanAsync(long chatId, long userId, CancellationToken cancellationToken);

    /// <summary>The user's ban in the chat, whether or not it still holds.</summary>
    Task<ChatBan?> FindBanAsync(long chatId, long userId, CancellationToken cancellationToken);

    /// <summary>The chat's bans, newest first.</summary>
    Task<IReadOnlyList<ChatBan>> GetBansAsync(long chatId, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a report and returns its id; when the reporter has an open report of that message, stores
    /// nothing and returns that report's id (a report counts once per reporter).
    /// </summary>
    Task<(long Id, bool Created)> AddReportAsync(ChatReport report, CancellationToken cancellationToken);

    /// <summary>A chat's open reports with ids below <paramref name="beforeId"/> (all when <see langword="null"/>), newest first.</summary>
    Task<IReadOnlyList<ChatReport>> GetReportsAsync(long chatId, long? beforeId, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Every chat's open reports with ids below <paramref name="beforeId"/> (all when <see langword="null"/>),
    /// newest first: the list of the host's own moderators, the only ones a private chat's reports reach.
    /// </summary>
    Task<IReadOnlyList<ChatReport>> GetAllReportsAsync(long? beforeId, int limit, CancellationToken cancellationToken);

    /// <summary>How many reports the user filed since <paramref name="since"/> (the hourly limit).</summary>
    Task<int> CountReportsByAsync(long reporterId, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>Resolves (removes) an open report of the chat; false when there is none with that id.</summary>
    Task<bool> ResolveReportAsync(long chatId, long reportId, CancellationToken cancellationToken);
}
