namespace ChatEngine.InMemory;

/// <summary>Blocks, mutes, bans and reports (<see cref="IChatModerationStore"/>).</summary>
public sealed partial class InMemoryChatStore
{
    private readonly Dictionary<(long UserId, long BlockedUserId), UserBlock> _blocks = [];
    private readonly Dictionary<(long ChatId, long UserId), ChatBan> _bans = [];
    private readonly Dictionary<long, ChatReport> _reports = [];
    private long _nextReportId;

    /// <inheritdoc />
    public Task<bool> AddBlockAsync(UserBlock block, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(block);
        lock (_lock)
        {
            return Task.FromResult(_blocks.TryAdd((block.UserId, block.BlockedUserId), block));
        }
    }

    /// <inheritdoc />
    public Task<bool> RemoveBlockAsync(long userId, long blockedUserId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_blocks.Remove((userId, blockedUserId)));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<UserBlock>> GetBlocksAsync(long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<UserBlock> blocks = _blocks.Values.Where(b => b.UserId == userId).OrderBy(b => b.At).ThenBy(b => b.BlockedUserId).ToArray();
            return Task.FromResult(blocks);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<long>> GetBlockersAsync(long blockedUserId, IReadOnlyCollection<long> userIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        lock (_lock)
        {
            IReadOnlyList<long> blockers = userIds.Distinct().Where(id => _blocks.ContainsKey((id, blockedUserId))).ToArray();
            return Task.FromResult(blockers);
        }
    }

    /// <inheritdoc />
    public Task<bool> SetMuteAsync(long chatId, long userId, MemberMute? mute, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var member = _members.GetValueOrDefault(chatId)?.Find(m => m.UserId == userId);
            if (member is null)
            {
                return Task.FromResult(false);
            }

            member.Mute = mute;
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task SetBanAsync(ChatBan ban, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ban);
        lock (_lock)
        {
            _bans[(ban.ChatId, ban.UserId)] = ban;
            return Task.CompletedTask;
        }
    }

    /// <inheritdoc />
    public Task<bool> RemoveBanAsync(long chatId, long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_bans.Remove((chatId, userId)));
        }
    }

    /// <inheritdoc />
    public Task<ChatBan?> FindBanAsync(long chatId, long userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_bans.GetValueOrDefault((chatId, userId)));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatBan>> GetBansAsync(long chatId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<ChatBan> bans = _bans.Values.Where(b => b.ChatId == chatId).OrderByDescending(b => b.At).ThenByDescending(b => b.UserId).ToArray();
            return Task.FromResult(bans);
        }
    }

    /// <inheritdoc />
    public Task<(long Id, bool Created)> AddReportAsync(ChatReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        lock (_lock)
        {
            var open = _reports.Values.FirstOrDefault(r => r.MessageId == report.MessageId && r.ReporterId == report.ReporterId);
            if (open is not null)
            {
                return Task.FromResult((open.Id, false));
            }

            var stored = report with { Id = ++_nextReportId };
            _reports[stored.Id] = stored;
            return Task.FromResult((stored.Id, true));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatReport>> GetReportsAsync(long chatId, long? beforeId, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<ChatReport> reports = _reports.Values.Where(r => r.ChatId == chatId && (beforeId is null || r.Id < beforeId))
                .OrderByDescending(r => r.Id).Take(limit).ToArray();
            return Task.FromResult(reports);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ChatReport>> GetAllReportsAsync(long? beforeId, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<ChatReport> reports = _reports.Values.Where(r => beforeId is null || r.Id < beforeId)
                .OrderByDescending(r => r.Id).Take(limit).ToArray();
            return Task.FromResult(reports);
        }
    }

    /// <inheritdoc />
    public Task<int> CountReportsByAsync(long reporterId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_reports.Values.Count(r => r.ReporterId == reporterId && r.At >= since));
        }
    }

    /// <inheritdoc />
    public Task<bool> ResolveReportAsync(long chatId, long reportId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_reports.TryGetValue(reportId, out var report) && report.ChatId == chatId && _reports.Remove(reportId));
        }
    }

    /// <summary>
    /// The store's half of the send rules (see <see cref="IChatModerationStore"/>): a mute that holds, a
    /// private chat whose other member erased their data, or a block between a private chat's pair.
    /// </summary>
    private void RequireMayPost(Chat chat, MemberState sender, DateTimeOffset at)
    {
        if (sender.Mute is { } mute && mute.IsActiveAt(at))
        {
            throw ChatErrors.Muted(mute.Until);
        }

        if (chat.Pair is not null && _members.GetValueOrDefault(chat.Id)?.Count < 2)
        {
            throw ChatErrors.UserErased();
        }

        if (chat.Pair is { } blocked && (_blocks.ContainsKey((blocked.LowUserId, blocked.HighUserId)) || _blocks.ContainsKey((blocked.HighUserId, blocked.LowUserId))))
        {
            throw ChatErrors.Blocked();
        }
    }
}
