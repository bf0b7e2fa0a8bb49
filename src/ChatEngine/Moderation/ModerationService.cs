using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatEngine;

/// <summary>
/// What any user does about others: blocking them, and reporting their messages to the group's admins
/// and the host (contract v2, section 6). The admins' own tools, mutes and bans, are on <see cref="GroupService"/>.
/// </summary>
public sealed partial class ModerationService
{
    /// <summary>Longest note a report may carry.</summary>
    public const int MaxReportNoteLength = 1000;

    private static readonly TimeSpan ReportWindow = TimeSpan.FromHours(1);

    private readonly IChatModerationStore? _store;
    private readonly IChatMemberStore _members;
    private readonly IMessageStore _messages;
    private readonly MessageChangeService _messageChanges;
    private readonly IChatUserDirectory _users;
    private readonly IChatEventPublisher _events;
    private readonly ChatAccess _access;
    private readonly IEnumerable<IModerationSink> _sinks;
    private readonly TimeProvider _time;
    private readonly ChatEngineOptions _options;
    private readonly ILogger _logger;

    internal ModerationService(
        IChatModerationStore? store,
        IChatMemberStore members,
        IMessageStore messages,
        MessageChangeService messageChanges,
        IChatUserDirectory users,
        IChatEventPublisher events,
        ChatAccess access,
        IEnumerable<IModerationSink> sinks,
        TimeProvider time,
        IOptions<ChatEngineOptions> options,
        ILogger<ModerationService> logger)
    {
        _store = store;
        _members = members;
        _messages = messages;
        _messageChanges = messageChanges;
        _users = users;
        _events = events;
        _access = access;
        _sinks = sinks;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    private IChatModerationStore Store => _store ?? throw new NotSupportedException(
        "No IChatModerationStore is registered, so users cannot block or report.");

    /// <summary>The users the caller blocked, oldest block first.</summary>
    public async Task<IReadOnlyList<BlockedUserView>> GetBlocksAsync(long userId, CancellationToken cancellationToken = default)
    {
        var blocks = await Store.GetBlocksAsync(userId, cancellationToken).ConfigureAwait(false);
        var users = await _users.GetByIdsAsync(blocks.Select(b => b.BlockedUserId).ToArray(), cancellationToken).ConfigureAwait(false);
        return blocks.Select(b => new BlockedUserView(users.GetValueOrDefault(b.BlockedUserId) ?? ChatAccess.UnknownUser(b.BlockedUserId), b.At)).ToArray();
    }

    /// <summary>
    /// Blocks a user: they cannot start a private chat with the caller or add them to a group, neither can
    /// send, react or upload in the private chat they share, their mentions of the caller neither count nor
    /// push, and their typing, presence and private reads no longer reach the caller. Blocking again is harmless.
    /// </summary>
    public async Task BlockAsync(long userId, string? userName, CancellationToken cancellationToken = default)
    {
        var store = Store;
        var target = await RequireUserAsync(userName, cancellationToken).ConfigureAwait(false);
        if (target.Id == userId)
        {
            throw ChatErrors.SelfTarget("You cannot block yourself.");
        }

        var blocks = await store.GetBlocksAsync(userId, cancellationToken).ConfigureAwait(false);
        if (blocks.Any(b => b.BlockedUserId == target.Id))
        {
            return;
        }

        if (blocks.Count >= _options.Moderation.MaxBlocks)
        {
            throw ChatErrors.Validation(ChatErrorCodes.TooManyBlocks, $"You can block at most {_options.Moderation.MaxBlocks} users.");
        }

        if (await store.AddBlockAsync(new UserBlock(userId, target.Id, _time.GetUtcNow()), cancellationToken).ConfigureAwait(false))
        {
            await PublishBlocksAsync(userId, [.. blocks.Select(b => b.BlockedUserId), target.Id]).ConfigureAwait(false);
        }
    }

    /// <summary>Lifts the caller's block of a user; lifting one that is not there is harmless.</summary>
    public async Task UnblockAsync(long userId, string? userName, CancellationToken cancellationToken = default)
    {
        var store = Store;
        var target = await RequireUserAsync(userName, cancellationToken).ConfigureAwait(false);
        if (await store.RemoveBlockAsync(userId, target.Id, cancellationToken).ConfigureAwait(false))
        {
            var blocks = await store.GetBlocksAsync(userId, cancellationToken).ConfigureAwait(false);
            await PublishBlocksAsync(userId, blocks.Select(b => b.BlockedUserId).ToArray()).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reports a message of the chat to its admins (in a group) and the host. A member reports someone
    /// else's message that is not deleted; reporting it again returns the same report. At most
    /// <see cref="ChatModerationOptions.ReportsPerHour"/> reports per user.
    /// </summary>
    /// <returns>The report's id.</returns>
    public async Task<long> ReportAsync(long userId, long chatId, long messageId, string? reason, string? note, CancellationToken cancellationToken = default)
    {
        var store = Store;
        var (chat, _) = await _access.RequireMemberAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        var message = await _messages.FindByIdAsync(messageId, cancellationToken).ConfigureAwait(false);
        if (message is null || message.ChatId != chatId)
        {
            throw ChatErrors.MessageNotFound();
        }

        if (message.SenderId == userId)
        {
            throw ChatErrors.SelfTarget("You cannot report your own message.");
        }

        if (message.IsDeleted)
        {
            throw ChatErrors.MessageDeleted();
        }

        var why = ParseReason(reason);
        var cleanNote = ChatText.ValidateOptional(note, MaxReportNoteLength, "The note");
        var now = _time.GetUtcNow();
        if (await store.CountReportsByAsync(userId, now - ReportWindow, cancellationToken).ConfigureAwait(false) >= _options.Moderation.ReportsPerHour)
        {
            throw new ChatException(ChatErrorKind.RateLimited, ChatErrorCodes.RateLimited, $"You can file at most {_options.Moderation.ReportsPerHour} reports an hour.");
        }

        var report = new ChatReport
        {
            ChatId = chatId, MessageId = messageId, ReporterId = userId, Reason = why, Note = cleanNote, At = now,
            MessageSenderId = message.SenderId, MessageText = message.Text, MessageSentAt = message.SentAt,
        };
        var (id, created) = await store.AddReportAsync(report, cancellationToken).ConfigureAwait(false);
        if (created)
        {
            var view = (await ViewsAsync([report with { Id = id }], cancellationToken).ConfigureAwait(false))[0];
            var admins = chat.Kind == ChatKind.Group
                ? (await _members.GetMembersAsync(chatId, cancellationToken).ConfigureAwait(false)).Where(m => m.IsAdmin).Select(m => m.UserId).ToArray()
                : [];
            await _events.PublishAsync(new MessageReported(view, chat, admins), CancellationToken.None).ConfigureAwait(false);
            await TellSinksAsync(view, chat).ConfigureAwait(false);
        }

        return id;
    }

    /// <summary>A group's open reports, newest first, <paramref name="limit"/> at most, before <paramref name="beforeReportId"/> (admins only).</summary>
    public async Task<IReadOnlyList<ChatReportView>> GetReportsAsync(long userId, long chatId, long? beforeReportId = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var store = Store;
        await _access.RequireGroupAdminAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        var pageSize = limit ?? _options.DefaultPageSize;
        if (pageSize < 1 || pageSize > _options.MaxPageSize)
        {
            throw ChatErrors.Validation(ChatErrorCodes.InvalidPaging, $"limit must be between 1 and {_options.MaxPageSize}.");
        }

        var reports = await store.GetReportsAsync(chatId, beforeReportId, pageSize, cancellationToken).ConfigureAwait(false);
        return await ViewsAsync(reports, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Resolves a group's open report (admins only): it leaves the list, with its snapshot.</summary>
    public async Task ResolveReportAsync(long userId, long chatId, long reportId, CancellationToken cancellationToken = default)
    {
        var store = Store;
        await _access.RequireGroupAdminAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        if (!await store.ResolveReportAsync(chatId, reportId, cancellationToken).ConfigureAwait(false))
        {
            throw new ChatException(ChatErrorKind.NotFound, ChatErrorCodes.ReportNotFound, "No open report with that id in this group.");
        }
    }

    /// <summary>
    /// Every chat's open reports, newest first, <paramref name="limit"/> at most, before
    /// <paramref name="beforeReportId"/>, each with its chat and whether its message is gone since:
    /// for the host's own moderators, the only ones told of a private chat's reports. Nothing here
    /// checks who asks: the host decides who may.
    /// </summary>
    public async Task<IReadOnlyList<HostReportView>> GetAllReportsAsync(long? beforeReportId = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var store = Store;
        var pageSize = limit ?? _options.DefaultPageSize;
        if (pageSize < 1 || pageSize > _options.MaxPageSize)
        {
            throw ChatErrors.Validation(ChatErrorCodes.InvalidPaging, $"limit must be between 1 and {_options.MaxPageSize}.");
        }

        var views = await ViewsAsync(await store.GetAllReportsAsync(beforeReportId, pageSize, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        var chats = new Dictionary<long, Chat?>();
        foreach (var chatId in views.Select(v => v.Report.ChatId).Distinct())
        {
            chats[chatId] = await _access.FindChatAsync(chatId, cancellationToken).ConfigureAwait(false);
        }

        // A chat's reports go with it; one deleted between the reads is left out.
        var listed = new List<HostReportView>(views.Count);
        foreach (var view in views)
        {
            if (chats[view.Report.ChatId] is { } chat)
            {
                var message = await _messages.FindByIdAsync(view.Report.MessageId, cancellationToken).ConfigureAwait(false);
                listed.Add(new HostReportView(view, chat, MessageGone: message is null || message.IsDeleted));
            }
        }

        return listed;
    }

    /// <summary>Resolves an open report in any chat, for the host's own moderators (nothing here checks who asks).</summary>
    public async Task ResolveAnyReportAsync(long chatId, long reportId, CancellationToken cancellationToken = default)
    {
        if (!await Store.ResolveReportAsync(chatId, reportId, cancellationToken).ConfigureAwait(false))
        {
            throw ReportNotFound();
        }
    }

    /// <summary>
    /// Answers an open report in any chat by deleting its message for everyone (see
    /// <see cref="MessageChangeService.DeleteForHostAsync"/>) and resolving every open report of that
    /// message (other reporters' included: acting on it answers them all), for the host's own
    /// moderators (nothing here checks who asks).
    /// </summary>
    /// <returns>Whether this call deleted the message (false when it was deleted, or removed, already).</returns>
    public async Task<bool> DeleteReportedMessageAsync(long moderatorId, long chatId, long reportId, CancellationToken cancellationToken = default)
    {
        var store = Store;

        // The newest open report at or below the id is the one, if it is open.
        var found = reportId is > 0 and < long.MaxValue
            ? await store.GetReportsAsync(chatId, reportId + 1, 1, cancellationToken).ConfigureAwait(false)
            : [];
        if (found is not [{ } report] || report.Id != reportId)
        {
            throw ReportNotFound();
        }

        bool deleted;
        try
        {
            deleted = await _messageChanges.DeleteForHostAsync(moderatorId, chatId, report.MessageId, cancellationToken).ConfigureAwait(false);
        }
        catch (ChatException error) when (error.Code == ChatErrorCodes.MessageNotFound)
        {
            deleted = false; // Gone already (retention removes old messages): the report is answered all the same.
        }

        // A chat's open reports are few (each reporter files at most ReportsPerHour): read them all.
        for (long? before = null; ;)
        {
            var page = await store.GetReportsAsync(chatId, before, _options.MaxPageSize, cancellationToken).ConfigureAwait(false);
            foreach (var same in page.Where(r => r.MessageId == report.MessageId))
            {
                await store.ResolveReportAsync(chatId, same.Id, cancellationToken).ConfigureAwait(false);
            }

            if (page.Count < _options.MaxPageSize)
            {
                return deleted;
            }

            before = page[^1].Id;
        }
    }

    private static ChatException ReportNotFound() => new(ChatErrorKind.NotFound, ChatErrorCodes.ReportNotFound, "No open report with that id in this chat.");

    private static ReportReason ParseReason(string? reason) => reason?.Trim().ToLowerInvariant() switch
    {
        "spam" => ReportReason.Spam,
        "abuse" => ReportReason.Abuse,
        "inappropriate" => ReportReason.Inappropriate,
        "other" => ReportReason.Other,
        _ => throw ChatErrors.Validation(ChatErrorCodes.InvalidReason, "reason must be spam, abuse, inappropriate or other."),
    };

    private async Task<IReadOnlyList<ChatReportView>> ViewsAsync(IReadOnlyList<ChatReport> reports, CancellationToken cancellationToken)
    {
        var ids = reports.SelectMany(r => new[] { r.ReporterId, r.MessageSenderId }).Distinct().ToArray();
        var users = await _users.GetByIdsAsync(ids, cancellationToken).ConfigureAwait(false);
        ChatUser UserOf(long id) => users.GetValueOrDefault(id) ?? ChatAccess.UnknownUser(id);
        return reports.Select(r => new ChatReportView(r, UserOf(r.ReporterId), UserOf(r.MessageSenderId))).ToArray();
    }

    private async Task<ChatUser> RequireUserAsync(string? userName, CancellationToken cancellationToken) =>
        await _access.FindUserByNameAsync(userName, _options.MaxUserNameLength, cancellationToken).ConfigureAwait(false) ?? throw ChatErrors.UserNotFound();

    // The blocks are stored: telling hosts must not be cancelled half-way.
    private Task PublishBlocksAsync(long userId, IReadOnlyList<long> blocked) =>
        _events.PublishAsync(new UserBlocksChanged(userId, blocked), CancellationToken.None).AsTask();

    private async Task TellSinksAsync(ChatReportView report, Chat chat)
    {
        foreach (var sink in _sinks)
        {
            try
            {
                await sink.OnReportedAsync(report, chat, CancellationToken.None).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // The report is stored; a failing host hook must not fail the reporter's request.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogSinkFailed(_logger, ex, report.Report.Id);
            }
        }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Error, Message = "A moderation sink failed on report {ReportId}; the report is stored.")]
    private static partial void LogSinkFailed(ILogger logger, Exception exception, long reportId);
}
