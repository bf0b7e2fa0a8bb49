using System.Globalization;
using Microsoft.Extensions.Options;

namespace ChatEngine;

/// <summary>A push due to one user.</summary>
/// <param name="UserId">The recipient.</param>
/// <param name="Message">What it tells them.</param>
public sealed record ChatPushNotice(long UserId, ChatPushMessage Message);

/// <summary>What a chat's due push does now, and when it is due again.</summary>
/// <param name="Notices">The pushes to send now.</param>
/// <param name="Next">The message the chat's next push is about, and when it is due; <see langword="null"/> when nothing newer waits.</param>
public sealed record ChatPushPlan(IReadOnlyList<ChatPushNotice> Notices, (long MessageId, DateTimeOffset DueAt)? Next)
{
    /// <summary>The chat's newest message sequence the plan took into account.</summary>
    internal long ThroughSequence { get; init; }

    /// <summary>How soon the chat's next push may be due (<see cref="ChatPushOptions.MinInterval"/> after one that pushed a message).</summary>
    internal DateTimeOffset NextNotBefore { get; init; }
}

/// <summary>
/// Push subscriptions and who gets a push (contract v2, section 5). Only new messages push, and only
/// once they have stayed unread for <see cref="ChatPushOptions.Delay"/>: whatever connections a member
/// holds, a message read at once is never pushed, and an idle desktop cannot swallow the phone's push.
/// Levels and mutes decide the rest.
/// </summary>
public sealed class ChatPush
{
    /// <summary>The built-in kind.</summary>
    public const string WebPushKind = "webpush";

    private const int MaxEndpointLength = 2000;

    private readonly IChatPushSubscriptionStore? _subscriptions;
    private readonly IChatStore _chats;
    private readonly IChatMemberStore _members;
    private readonly IMessageStore _messages;
    private readonly IChatUserDirectory _users;
    private readonly IChatModerationStore? _moderation;
    private readonly HashSet<string> _hostKinds;
    private readonly TimeProvider _time;
    private readonly ChatEngineOptions _options;

    internal ChatPush(
        IChatPushSubscriptionStore? subscriptions, IChatStore chats, IChatMemberStore members, IMessageStore messages, IChatUserDirectory users,
        IEnumerable<IChatPushSender> senders, IChatModerationStore? moderation, TimeProvider time, IOptions<ChatEngineOptions> options)
    {
        _moderation = moderation;
        _subscriptions = subscriptions;
        _chats = chats;
        _members = members;
        _messages = messages;
        _users = users;
        _hostKinds = senders.Select(s => s.Kind).ToHashSet(StringComparer.Ordinal);
        _time = time;
        _options = options.Value;
    }

    /// <summary>Whether the server can push at all: VAPID keys, or a host sender.</summary>
    public bool IsConfigured => _subscriptions is not null && (_options.Push.HasVapidKeys || _hostKinds.Count > 0);

    /// <summary>The VAPID public key browsers subscribe with; <see cref="ChatErrorCodes.PushNotConfigured"/> without one.</summary>
    public string VapidPublicKey => _options.Push.HasVapidKeys ? _options.Push.VapidPublicKey! : throw NotConfigured();

    /// <summary>
    /// Subscribes a device of the caller. Web Push endpoints must be https, at most 2,000 characters,
    /// on an allowed push service (<see cref="ChatPushOptions.AllowedEndpointHosts"/>), with a P-256 key
    /// and a 16-byte secret; other kinds need a host sender. The same endpoint again updates its keys.
    /// </summary>
    public async Task<(long Id, bool Created)> SubscribeAsync(
        long userId, string? kind, string? endpoint, string? p256dh, string? auth, string? deviceId, CancellationToken cancellationToken = default)
    {
        if (!IsConfigured)
        {
            throw NotConfigured();
        }

        kind ??= WebPushKind;
        if (kind == WebPushKind ? !_options.Push.HasVapidKeys : !_hostKinds.Contains(kind))
        {
            throw ChatErrors.Validation(ChatErrorCodes.UnsupportedPushKind, $"This server cannot push to '{kind}' subscriptions.");
        }

        if (string.IsNullOrWhiteSpace(endpoint) || endpoint.Length > MaxEndpointLength)
        {
            throw ChatErrors.Validation(ChatErrorCodes.InvalidEndpoint, $"endpoint is required, at most {MaxEndpointLength} characters.");
        }

        if (kind == WebPushKind)
        {
            CheckEndpoint(endpoint);
            if (!IsPublicKey(p256dh) || Base64UrlLength(auth) != 16)
            {
                throw ChatErrors.Validation(ChatErrorCodes.InvalidKeys, "keys must be p256dh (a P-256 public key, base64url) and auth (16 bytes, base64url).");
            }
        }

        if (deviceId?.Length > 200)
        {
            throw ChatErrors.Validation(ChatErrorCodes.InvalidEndpoint, "device_id must be at most 200 characters.");
        }

        var subscription = new ChatPushSubscription
        {
            UserId = userId,
            Kind = kind,
            Endpoint = endpoint,
            P256dh = kind == WebPushKind ? p256dh : null,
            Auth = kind == WebPushKind ? auth : null,
            DeviceId = deviceId,
            CreatedAt = _time.GetUtcNow(),
        };
        return await _subscriptions!.SaveAsync(subscription, _options.Push.MaxSubscriptionsPerUser, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The caller's subscriptions.</summary>
    public async Task<IReadOnlyList<ChatPushSubscription>> GetSubscriptionsAsync(long userId, CancellationToken cancellationToken = default) =>
        _subscriptions is null ? [] : await _subscriptions.GetForUsersAsync([userId], cancellationToken).ConfigureAwait(false);

    /// <summary>Removes one of the caller's subscriptions (anyone else's: <see cref="ChatErrorCodes.SubscriptionNotFound"/>).</summary>
    public async Task UnsubscribeAsync(long userId, long subscriptionId, CancellationToken cancellationToken = default)
    {
        if (_subscriptions is null || !await _subscriptions.DeleteAsync(subscriptionId, userId, cancellationToken).ConfigureAwait(false))
        {
            throw new ChatException(ChatErrorKind.NotFound, ChatErrorCodes.SubscriptionNotFound, "No such push subscription of yours.");
        }
    }

    /// <summary>
    /// A chat's push, due for <paramref name="messageId"/> (its delay is over): it goes for the newest
    /// message of the chat whose delay is over (so a burst pushes once), to each member but its sender who
    /// has not read it and whose level and mute allow it. When newer messages wait their delay, the plan
    /// says when the chat's next push is due: no sooner than <see cref="ChatPushOptions.MinInterval"/>, so a
    /// busy chat pushes at most that often.
    /// </summary>
    public async Task<ChatPushPlan> PlanAsync(long chatId, long messageId, CancellationToken cancellationToken = default)
    {
        var chat = await _chats.FindByIdAsync(chatId, cancellationToken).ConfigureAwait(false);
        if (chat is null)
        {
            return new ChatPushPlan([], null);
        }

        var now = _time.GetUtcNow();
        var message = await _messages.FindByIdAsync(messageId, cancellationToken).ConfigureAwait(false);
        var through = chat.LastSequence;
        (long, DateTimeOffset)? next = null;
        if (message is null || chat.LastSequence > message.Sequence)
        {
            var newest = (await _messages.GetBeforeAsync(chatId, null, 1, cancellationToken).ConfigureAwait(false)).LastOrDefault();
            through = Math.Max(through, newest?.Sequence ?? 0);
            if (newest is not null && newest.SentAt + _options.Push.Delay <= now)
            {
                message = newest;
            }
            else if (newest is not null)
            {
                next = NextPush(newest, message is null ? DateTimeOffset.MinValue : now + _options.Push.MinInterval);
            }
        }

        var notices = message is null || message.IsDeleted || message.ChatId != chatId ? [] : await NoticesAsync(chat, message, now, cancellationToken).ConfigureAwait(false);
        return new ChatPushPlan(notices, next)
        {
            ThroughSequence = through,
            NextNotBefore = message is null ? DateTimeOffset.MinValue : now + _options.Push.MinInterval,
        };
    }

    /// <summary>
    /// Where a chat's push goes after <paramref name="plan"/>: its <see cref="ChatPushPlan.Next"/>, or,
    /// when it said nothing newer waits, the newest message committed since it read the chat. Call it in
    /// the chat's unit of work (<see cref="IChatUnitOfWork"/>) and record the push's outcome in the same
    /// unit: a send that found the chat's push pending, and so scheduled none, then either committed
    /// before (and is found here) or commits after the push is over (and schedules its own), so no
    /// message goes unpushed for having come while the push was under way.
    /// </summary>
    public async Task<(long MessageId, DateTimeOffset DueAt)?> NextAfterAsync(long chatId, ChatPushPlan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Next is not null)
        {
            return plan.Next;
        }

        var chat = await _chats.FindByIdAsync(chatId, cancellationToken).ConfigureAwait(false);
        if (chat is null || chat.LastSequence <= plan.ThroughSequence)
        {
            return null;
        }

        var newest = (await _messages.GetBeforeAsync(chatId, null, 1, cancellationToken).ConfigureAwait(false)).LastOrDefault();
        return newest is null || newest.Sequence <= plan.ThroughSequence ? null : NextPush(newest, plan.NextNotBefore);
    }

    private (long MessageId, DateTimeOffset DueAt) NextPush(ChatMessage newest, DateTimeOffset notBefore) =>
        (newest.Id, Max(newest.SentAt + _options.Push.Delay, notBefore));

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private async Task<IReadOnlyList<ChatPushNotice>> NoticesAsync(Chat chat, ChatMessage message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var chatId = chat.Id;
        var members = await _members.GetMembersAsync(chatId, cancellationToken).ConfigureAwait(false);
        var recipients = members
            .Where(m => m.UserId != message.SenderId && m.LastReadSequence < message.Sequence)
            .Where(m => _options.Notifications.SettingsOf(m.NotifyLevel, m.MutedUntil, now).Notifies(chat.Kind, message.MentionIds.Contains(m.UserId), now))
            .ToArray();
        if (_moderation is not null && recipients.Length > 0)
        {
            // Nobody is pushed a message by someone they blocked.
            var blockers = await _moderation.GetBlockersAsync(message.SenderId, recipients.Select(m => m.UserId).ToArray(), cancellationToken).ConfigureAwait(false);
            recipients = recipients.Where(m => !blockers.Contains(m.UserId)).ToArray();
        }

        if (recipients.Length == 0)
        {
            return [];
        }

        var sender = (await _users.GetByIdsAsync([message.SenderId], cancellationToken).ConfigureAwait(false)).GetValueOrDefault(message.SenderId)
            ?? ChatAccess.UnknownUser(message.SenderId);
        var chatName = chat.Kind == ChatKind.Group ? chat.Name ?? string.Empty : sender.UserName;
        var text = _options.Push.IncludeText ? Shorten(ChatService.Preview(message) ?? string.Empty, _options.Push.PreviewLength) : null;
        return recipients.Select(m => new ChatPushNotice(
            m.UserId,
            new ChatPushMessage(chatId, message.Id, message.Seq, chatName, sender.UserName, text, Math.Max(0, chat.LastSequence - m.LastReadSequence), message.MentionIds.Contains(m.UserId))))
            .ToArray();
    }

    private void CheckEndpoint(string endpoint)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var url)
            || !(url.Scheme == Uri.UriSchemeHttps || (_options.Push.AllowInsecureEndpoints && url.Scheme == Uri.UriSchemeHttp))
            || !string.IsNullOrEmpty(url.UserInfo))
        {
            throw ChatErrors.Validation(ChatErrorCodes.InvalidEndpoint, "endpoint must be an https URL of a push service.");
        }

        var host = url.IdnHost;
        var allowed = _options.Push.AllowedEndpointHosts.Any(pattern => pattern.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase)
            : host.Equals(pattern, StringComparison.OrdinalIgnoreCase));
        if (!allowed)
        {
            // The server POSTs to it: anything but a known push service could be an address inside the network.
            throw ChatErrors.Validation(ChatErrorCodes.InvalidEndpoint, $"Push services on {host} are not allowed here.");
        }
    }

    private static bool IsPublicKey(string? value)
    {
        var key = Base64UrlDecode(value);
        return key is { Length: 65 } && key[0] == 4;
    }

    private static int Base64UrlLength(string? value) => Base64UrlDecode(value)?.Length ?? -1;

    private static byte[]? Base64UrlDecode(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 200)
        {
            return null;
        }

        try
        {
            return System.Buffers.Text.Base64Url.DecodeFromChars(value.TrimEnd('='));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>At most <paramref name="length"/> characters, never splitting a character made of several code units.</summary>
    private static string Shorten(string text, int length)
    {
        if (text.Length <= length)
        {
            return text;
        }

        // The last boundary between characters at or before the limit.
        var cut = StringInfo.ParseCombiningCharacters(text).LastOrDefault(start => start <= length);
        return text[..cut] + "…";
    }

    private static ChatException NotConfigured() =>
        new(ChatErrorKind.NotFound, ChatErrorCodes.PushNotConfigured, "This server does not push.");
}
