using System.Collections.Concurrent;

namespace ChatEngine;

/// <summary>
/// Who is a member of which chat, remembered in process for the hot, frequent checks (typing, read
/// marks) that must not cost a database read each. A "member" answer stays until a membership change
/// says otherwise: this host's changes arrive as events, other hosts' removals through
/// <see cref="Forget"/> (the scale-out relay calls it). A "not a member" answer is kept only briefly,
/// since additions made on other hosts are not relayed. Each chat's kind, which never changes, is
/// kept too.
/// </summary>
public sealed class ChatMembershipCache : IChatEventHandler
{
    private const int MaxEntries = 200_000;
    private static readonly TimeSpan NegativeLifetime = TimeSpan.FromSeconds(5);

    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(long ChatId, long UserId), Entry> _entries = new();

    // Bumped by every change of a chat's members: an answer read from the store while one happened is not kept.
    private readonly ConcurrentDictionary<long, long> _versions = new();

    private readonly ConcurrentDictionary<long, ChatKind> _kinds = new();

    /// <summary>Creates an empty cache.</summary>
    public ChatMembershipCache(TimeProvider time) => _time = time;

    internal async ValueTask<bool> IsMemberAsync(long chatId, long userId, IChatMemberStore store, CancellationToken cancellationToken) =>
        (await FindAsync(chatId, userId, store, cancellationToken).ConfigureAwait(false)).IsMember;

    /// <summary>Whether the user is a member, and whether an admin's mute of them holds now (their typing is dropped then).</summary>
    internal async ValueTask<(bool IsMember, bool IsMuted)> FindAsync(long chatId, long userId, IChatMemberStore store, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_entries.TryGetValue((chatId, userId), out var known) && (known.IsMember || now < known.Expires))
        {
            return (known.IsMember, known.Mute?.IsActiveAt(now) == true);
        }

        var version = _versions.GetValueOrDefault(chatId);
        var member = await store.FindAsync(chatId, userId, cancellationToken).ConfigureAwait(false);
        if (_versions.GetValueOrDefault(chatId) == version)
        {
            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear();
            }

            _entries[(chatId, userId)] = new Entry(member is not null, now + NegativeLifetime, member?.Mute);
        }

        return (member is not null, member?.Mute?.IsActiveAt(now) == true);
    }

    /// <summary>The chat's kind, or <see langword="null"/> if there is no such chat.</summary>
    internal async ValueTask<ChatKind?> FindKindAsync(long chatId, IChatStore store, CancellationToken cancellationToken)
    {
        if (_kinds.TryGetValue(chatId, out var known))
        {
            return known;
        }

        if (await store.FindByIdAsync(chatId, cancellationToken).ConfigureAwait(false) is not { } chat)
        {
            return null;
        }

        if (_kinds.Count >= MaxEntries)
        {
            _kinds.Clear();
        }

        _kinds[chatId] = chat.Kind;
        return chat.Kind;
    }

    /// <summary>
    /// Forgets what is known about a chat's members (all of them when <paramref name="userId"/> is
    /// null): for a removal, mute or deletion made on another host, which reaches this one through a relay.
    /// </summary>
    public void Forget(long chatId, long? userId)
    {
        _versions.AddOrUpdate(chatId, 1, (_, v) => v + 1);
        if (userId is { } user)
        {
            _entries.TryRemove((chatId, user), out _);
            return;
        }

        _kinds.TryRemove(chatId, out _); // Every member forgotten: the chat was deleted, and its kind would only take room.
        foreach (var key in _entries.Keys)
        {
            if (key.ChatId == chatId)
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    /// <inheritdoc />
    public ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        if (chatEvent is ChatMembershipChanged { Change: MembershipChange.Added or MembershipChange.Removed or MembershipChange.ChatDeleted } change)
        {
            Forget(change.ChatId, change.Change == MembershipChange.ChatDeleted ? null : change.UserId);
        }
        else if (chatEvent is ChatChanged { Change: { Kind: ChatChangeKind.MemberMuted, Members: [var muted, ..] } mute })
        {
            Forget(mute.ChatId, muted.UserId);
        }

        return ValueTask.CompletedTask;
    }

    private readonly record struct Entry(bool IsMember, DateTimeOffset Expires, MemberMute? Mute);
}
