using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatEngine;

/// <summary>Limits and defaults of the chat engine.</summary>
public sealed class ChatEngineOptions
{
    /// <summary>Longest message text, in characters, after trimming. Default 4,000.</summary>
    public int MaxMessageLength { get; set; } = 4000;

    /// <summary>Longest client message id (idempotency key). Default 100.</summary>
    public int MaxClientIdLength { get; set; } = 100;

    /// <summary>Messages in a history page when the client names no size. Default 50.</summary>
    public int DefaultPageSize { get; set; } = 50;

    /// <summary>Largest history page a client may ask for. Default 200.</summary>
    public int MaxPageSize { get; set; } = 200;

    /// <summary>Most users a search returns. Default 20.</summary>
    public int MaxSearchResults { get; set; } = 20;

    /// <summary>
    /// Longest user name looked up (Django's limit, which the original application had). A longer
    /// name, or one with control characters, matches nobody and never reaches the user directory.
    /// Default 150.
    /// </summary>
    public int MaxUserNameLength { get; set; } = 150;

    /// <summary>Longest group name. Default 100.</summary>
    public int MaxGroupNameLength { get; set; } = 100;

    /// <summary>Most members a group may have. Default 1,000.</summary>
    public int MaxGroupMembers { get; set; } = 1000;

    /// <summary>Catch-up from the change log (<c>ChatEngine:Sync</c>).</summary>
    public ChatSyncOptions Sync { get; } = new();

    /// <summary>Editing, deleting and quoting messages (<c>ChatEngine:Messages</c>).</summary>
    public ChatMessageOptions Messages { get; } = new();

    /// <summary>Reactions to messages (<c>ChatEngine:Reactions</c>).</summary>
    public ChatReactionOptions Reactions { get; } = new();

    /// <summary>Pinned messages (<c>ChatEngine:Pins</c>).</summary>
    public ChatPinOptions Pins { get; } = new();

    /// <summary>Notification settings (<c>ChatEngine:Notifications</c>).</summary>
    public ChatNotificationOptions Notifications { get; } = new();

    /// <summary>Push to users' devices (contract v2, section 5).</summary>
    public ChatPushOptions Push { get; } = new();

    /// <summary>Stored attachments (<c>ChatEngine:Attachments</c>).</summary>
    public ChatAttachmentOptions Attachments { get; } = new();

    /// <summary>Blocks and reports (<c>ChatEngine:Moderation</c>).</summary>
    public ChatModerationOptions Moderation { get; } = new();

    /// <summary>Users' exports and erasure (<c>ChatEngine:Privacy</c>).</summary>
    public ChatPrivacyOptions Privacy { get; } = new();

    /// <summary>How long messages are kept (<c>ChatEngine:Retention</c>).</summary>
    public ChatRetentionOptions Retention { get; } = new();

    /// <summary>Message search (<c>ChatEngine:Search</c>).</summary>
    public ChatSearchOptions Search { get; } = new();
}

/// <summary>Limits of message search.</summary>
public sealed class ChatSearchOptions
{
    /// <summary>Searches one user may make in a minute. Default 30.</summary>
    public int PerMinute { get; set; } = 30;

    /// <summary>Most results one page may ask for. Default 50.</summary>
    public int MaxResults { get; set; } = 50;
}

/// <summary>What a user's export and erasure do (contract v2, section 6).</summary>
public sealed class ChatPrivacyOptions
{
    internal const string DefaultDeletedUserName = "Deleted user";

    /// <summary>
    /// The name shown for users who are gone (erased, or deleted by the host), in every message,
    /// quote, replay and member list; their numeric id stays. Default <c>Deleted user</c>. One name
    /// per process: the app's options set it when they are validated at start-up.
    /// </summary>
    public string DeletedUserName { get; set; } = DefaultDeletedUserName;

    /// <summary>Whether an erased user's messages keep their text (attributed to <see cref="DeletedUserName"/>) rather than becoming tombstones. Default false.</summary>
    public bool ErasureKeepsText { get; set; }

    /// <summary>Exports one user may download in an hour. Default 1.</summary>
    public int ExportsPerHour { get; set; } = 1;

    internal static string DeletedUserNameInUse { get; set; } = DefaultDeletedUserName;
}

/// <summary>How long messages are kept.</summary>
public sealed class ChatRetentionOptions
{
    /// <summary>Messages older than this are deleted, in small batches and without events; <see langword="null"/> (the default) keeps them for good.</summary>
    public TimeSpan? MaxMessageAge { get; set; }

    /// <summary>Whether pinned messages are kept whatever their age. Default true.</summary>
    public bool KeepPinned { get; set; } = true;

    /// <summary>Messages deleted per batch (one short transaction each, so sends never wait long). Default 500.</summary>
    public int BatchSize { get; set; } = 500;
}

/// <summary>Limits of blocks and reports.</summary>
public sealed class ChatModerationOptions
{
    /// <summary>Most reports one user may file in an hour. Default 20.</summary>
    public int ReportsPerHour { get; set; } = 20;

    /// <summary>Most users one user may block. Default 1,000.</summary>
    public int MaxBlocks { get; set; } = 1000;
}

/// <summary>What notifies members who chose nothing.</summary>
public sealed class ChatNotificationOptions
{
    /// <summary>The level of a member who has not chosen one. Default <see cref="NotifyLevel.All"/>.</summary>
    public NotifyLevel DefaultLevel { get; set; } = NotifyLevel.All;

    /// <summary>
    /// A member's settings as they stand at <paramref name="now"/>: the level they chose, else
    /// <see cref="DefaultLevel"/>; a mute that ran out is no mute.
    /// </summary>
    public ChatNotificationSettings SettingsOf(NotifyLevel? chosen, DateTimeOffset? mutedUntil, DateTimeOffset now) =>
        new(chosen ?? DefaultLevel, mutedUntil > now ? mutedUntil : null);
}

/// <summary>Push to users' devices: Web Push keys and who may be pushed to, when and how often.</summary>
public sealed class ChatPushOptions
{
    /// <summary>The VAPID public key (base64url, uncompressed P-256). With the private key, turns Web Push on.</summary>
    public string? VapidPublicKey { get; set; }

    /// <summary>The VAPID private key (base64url, the 32-byte scalar). Keep it secret.</summary>
    public string? VapidPrivateKey { get; set; }

    /// <summary>Who push services may contact about this server's pushes: a <c>mailto:</c> or <c>https:</c> URL.</summary>
    public string? VapidSubject { get; set; }

    /// <summary>
    /// The push services the server will POST to (a leading <c>*.</c> matches any subdomain): anything
    /// else is refused, so a subscription cannot make the server call an address of the attacker's choice.
    /// </summary>
    public IList<string> AllowedEndpointHosts { get; } = ["fcm.googleapis.com", "*.push.services.mozilla.com", "*.notify.windows.com", "*.push.apple.com"];

    /// <summary>Accept <c>http:</c> push endpoints (tests with a local push service only). Default false.</summary>
    public bool AllowInsecureEndpoints { get; set; }

    /// <summary>Subscriptions per user; a new one past it replaces the oldest. Default 10.</summary>
    public int MaxSubscriptionsPerUser { get; set; } = 10;

    /// <summary>How long a message must stay unread before it is pushed. Default 10 seconds.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>At most one push per user and chat in this interval, for the newest message. Default 10 seconds.</summary>
    public TimeSpan MinInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a push service keeps a push for a device that is off. Default 1 day.</summary>
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Characters of the message a push shows. Default 100.</summary>
    public int PreviewLength { get; set; } = 100;

    /// <summary>Whether pushes carry the message's text (end-to-end encrypted to the device). Default true.</summary>
    public bool IncludeText { get; set; } = true;

    /// <summary>Whether Web Push is configured (both VAPID keys).</summary>
    public bool HasVapidKeys => !string.IsNullOrEmpty(VapidPublicKey) && !string.IsNullOrEmpty(VapidPrivateKey);
}

/// <summary>How large, how many and how long uploads are kept, and which images are shown inline.</summary>
public sealed class ChatAttachmentOptions
{
    /// <summary>The media types shown inline with a thumbnail (and the only ones that can be).</summary>
    public static readonly IReadOnlyList<string> ImageTypes = ["image/png", "image/jpeg", "image/gif", "image/webp"];

    /// <summary>Largest upload, in bytes. Default 25 MB.</summary>
    public long MaxBytes { get; set; } = 25 * 1024 * 1024;

    /// <summary>Bytes each user may keep in attachments, pending and sent. Default 1 GB.</summary>
    public long QuotaPerUser { get; set; } = 1024L * 1024 * 1024;

    /// <summary>Most attachments one message carries. Default 10.</summary>
    public int MaxPerMessage { get; set; } = 10;

    /// <summary>How long an upload no message carries is kept. Default one hour.</summary>
    public TimeSpan PendingLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Most uploads one user may have waiting to be sent. Default 20.</summary>
    public int MaxPendingPerUser { get; set; } = 20;

    /// <summary>Most uploads one user may start per minute. Default 30.</summary>
    public int UploadsPerMinute { get; set; } = 30;

    /// <summary>The image types shown inline with a thumbnail: some of <see cref="ImageTypes"/> (never SVG). Default all four.</summary>
    public IList<string> InlineTypes { get; } = new List<string>(ImageTypes);

    /// <summary>The longest side of a thumbnail, in pixels. Default 320.</summary>
    public int ThumbnailSize { get; set; } = 320;

    /// <summary>Largest image, in pixels, that is decoded for its thumbnail; a larger one is kept as a plain file. Default 40,000,000.</summary>
    public long MaxImagePixels { get; set; } = 40_000_000;
}

/// <summary>Who may change a message after sending it, and for how long.</summary>
public sealed class ChatMessageOptions
{
    /// <summary>Whether authors may edit their messages. Default true.</summary>
    public bool AllowEdit { get; set; } = true;

    /// <summary>How long after sending a message its author may edit it; <see langword="null"/> (the default) for always.</summary>
    public TimeSpan? EditWindow { get; set; }

    /// <summary>Whether messages may be deleted at all. Default true.</summary>
    public bool AllowDelete { get; set; } = true;

    /// <summary>How long after sending a message its author may delete it; <see langword="null"/> (the default) for always. Admins are not bound by it.</summary>
    public TimeSpan? DeleteWindow { get; set; }

    /// <summary>Whether a group's admins may delete any message of the group. Default true.</summary>
    public bool AdminsMayDeleteAny { get; set; } = true;

    /// <summary>How many characters of a quoted message its quote shows. Default 100.</summary>
    public int ReplyPreviewLength { get; set; } = 100;

    /// <summary>Most members one message mentions (the rest of its <c>@names</c> mention nobody). Default 50.</summary>
    public int MaxMentions { get; set; } = 50;
}

/// <summary>What users may react with, and how much.</summary>
public sealed class ChatReactionOptions
{
    /// <summary>When not empty, the only emoji (or <c>:name:</c>s) allowed. Empty by default: any single emoji or name.</summary>
    public IList<string> Allowed { get; } = new List<string>();

    /// <summary>Most distinct emoji one user puts on one message. Default 3.</summary>
    public int MaxPerUser { get; set; } = 3;

    /// <summary>Most distinct emoji on one message. Default 50.</summary>
    public int MaxDistinct { get; set; } = 50;
}

/// <summary>Who may pin messages, and how many.</summary>
public sealed class ChatPinOptions
{
    /// <summary>Whether members who are not admins may pin in groups (in a private chat either member may). Default false.</summary>
    public bool MembersMayPinInGroups { get; set; }

    /// <summary>Most pinned messages in a chat. Default 50.</summary>
    public int MaxPerChat { get; set; } = 50;
}

/// <summary>How far back catch-up replays a chat's changes; beyond it a client reloads instead (<c>limited</c>).</summary>
public sealed class ChatSyncOptions
{
    /// <summary>Most changes one catch-up replays. Default 2,000.</summary>
    public int MaxReplay { get; set; } = 2000;

    /// <summary>Changes older than this are not replayed. Default 30 days.</summary>
    public TimeSpan ChangeLogRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often a user stream sends a fresh cursor while events flow. Default 30 seconds.</summary>
    public TimeSpan CursorInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most <c>/sync/</c> requests per user per minute. Default 60.</summary>
    public int RequestsPerMinute { get; set; } = 60;
}

/// <summary>Checks <see cref="ChatEngineOptions"/> at start-up with messages that say what to fix.</summary>
internal sealed class ChatEngineOptionsValidator : IValidateOptions<ChatEngineOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatEngineOptions options)
    {
        var failures = new List<string>();
        RequirePositive(failures, nameof(options.MaxMessageLength), options.MaxMessageLength);
        RequirePositive(failures, nameof(options.MaxClientIdLength), options.MaxClientIdLength);
        RequirePositive(failures, nameof(options.DefaultPageSize), options.DefaultPageSize);
        RequirePositive(failures, nameof(options.MaxPageSize), options.MaxPageSize);
        RequirePositive(failures, nameof(options.MaxSearchResults), options.MaxSearchResults);
        RequirePositive(failures, nameof(options.MaxGroupNameLength), options.MaxGroupNameLength);
        RequirePositive(failures, nameof(options.MaxUserNameLength), options.MaxUserNameLength);
        RequirePositive(failures, "Sync:" + nameof(options.Sync.MaxReplay), options.Sync.MaxReplay);
        RequirePositive(failures, "Sync:" + nameof(options.Sync.RequestsPerMinute), options.Sync.RequestsPerMinute);
        RequirePositive(failures, "Messages:" + nameof(options.Messages.ReplyPreviewLength), options.Messages.ReplyPreviewLength);
        RequirePositive(failures, "Messages:" + nameof(options.Messages.MaxMentions), options.Messages.MaxMentions);
        RequirePositive(failures, "Reactions:" + nameof(options.Reactions.MaxPerUser), options.Reactions.MaxPerUser);
        RequirePositive(failures, "Reactions:" + nameof(options.Reactions.MaxDistinct), options.Reactions.MaxDistinct);
        RequirePositive(failures, "Pins:" + nameof(options.Pins.MaxPerChat), options.Pins.MaxPerChat);
        RequirePositive(failures, "Moderation:" + nameof(options.Moderation.ReportsPerHour), options.Moderation.ReportsPerHour);
        RequirePositive(failures, "Moderation:" + nameof(options.Moderation.MaxBlocks), options.Moderation.MaxBlocks);
        RequirePositive(failures, "Privacy:" + nameof(options.Privacy.ExportsPerHour), options.Privacy.ExportsPerHour);
        RequirePositive(failures, "Search:" + nameof(options.Search.PerMinute), options.Search.PerMinute);
        RequirePositive(failures, "Search:" + nameof(options.Search.MaxResults), options.Search.MaxResults);
        RequirePositive(failures, "Retention:" + nameof(options.Retention.BatchSize), options.Retention.BatchSize);
        if (options.Retention.MaxMessageAge is { } age && age <= TimeSpan.Zero)
        {
            failures.Add($"ChatEngine:Retention:MaxMessageAge must be positive, or left out to keep messages for good (it is {age}).");
        }

        if (!ChatText.IsAcceptableName(options.Privacy.DeletedUserName))
        {
            failures.Add("ChatEngine:Privacy:DeletedUserName must be a visible name without control characters.");
        }
        else
        {
            ChatPrivacyOptions.DeletedUserNameInUse = options.Privacy.DeletedUserName;
        }
        ValidateAttachments(failures, options.Attachments);
        foreach (var (option, window) in new[] { ("EditWindow", options.Messages.EditWindow), ("DeleteWindow", options.Messages.DeleteWindow) })
        {
            if (window <= TimeSpan.Zero)
            {
                failures.Add($"ChatEngine:Messages:{option} must be positive, or left out for no limit (it is {window}).");
            }
        }

        foreach (var emoji in options.Reactions.Allowed.Where(e => !ReactionEmoji.IsWellFormed(e)))
        {
            failures.Add($"ChatEngine:Reactions:Allowed holds '{emoji}', which is neither one emoji nor a :name: of 1 to 32 characters a-z, 0-9, _, + or -.");
        }

        foreach (var (option, span) in new[] { ("ChangeLogRetention", options.Sync.ChangeLogRetention), ("CursorInterval", options.Sync.CursorInterval) })
        {
            if (span <= TimeSpan.Zero)
            {
                failures.Add($"ChatEngine:Sync:{option} must be positive (it is {span}).");
            }
        }

        if (options.MaxGroupMembers < 2)
        {
            failures.Add($"ChatEngine:{nameof(options.MaxGroupMembers)} must be at least 2 (it is {options.MaxGroupMembers}).");
        }

        if (options.DefaultPageSize > options.MaxPageSize)
        {
            failures.Add($"ChatEngine:{nameof(options.DefaultPageSize)} ({options.DefaultPageSize}) must not exceed {nameof(options.MaxPageSize)} ({options.MaxPageSize}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateAttachments(List<string> failures, ChatAttachmentOptions attachments)
    {
        RequirePositive(failures, "Attachments:" + nameof(attachments.MaxPerMessage), attachments.MaxPerMessage);
        RequirePositive(failures, "Attachments:" + nameof(attachments.MaxPendingPerUser), attachments.MaxPendingPerUser);
        RequirePositive(failures, "Attachments:" + nameof(attachments.UploadsPerMinute), attachments.UploadsPerMinute);
        RequirePositive(failures, "Attachments:" + nameof(attachments.ThumbnailSize), attachments.ThumbnailSize);
        foreach (var (option, value) in new[] { ("MaxBytes", attachments.MaxBytes), ("QuotaPerUser", attachments.QuotaPerUser), ("MaxImagePixels", attachments.MaxImagePixels) })
        {
            if (value <= 0)
            {
                failures.Add($"ChatEngine:Attachments:{option} must be greater than 0 (it is {value}).");
            }
        }

        if (attachments.PendingLifetime <= TimeSpan.Zero)
        {
            failures.Add($"ChatEngine:Attachments:{nameof(attachments.PendingLifetime)} must be positive (it is {attachments.PendingLifetime}).");
        }

        foreach (var type in attachments.InlineTypes.Where(t => !ChatAttachmentOptions.ImageTypes.Contains(t)))
        {
            failures.Add($"ChatEngine:Attachments:InlineTypes holds '{type}'; only {string.Join(", ", ChatAttachmentOptions.ImageTypes)} can be shown inline.");
        }
    }

    private static void RequirePositive(List<string> failures, string option, int value)
    {
        if (value <= 0)
        {
            failures.Add($"ChatEngine:{option} must be greater than 0 (it is {value}).");
        }
    }
}

/// <summary>
/// Checks at start-up that the app registered what ChatEngine cannot run without, and says what to
/// add: without it the first request would fail on a missing service, far from the cause.
/// </summary>
internal sealed class ChatEngineRegistrationValidator(IServiceProvider provider) : IValidateOptions<ChatEngineOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatEngineOptions options)
    {
        // A container that cannot say what is registered (not Microsoft's) is not second-guessed.
        if (provider.GetService<IServiceProviderIsService>() is not { } services)
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = new List<string>();
        if (!services.IsService(typeof(IChatStore)) || !services.IsService(typeof(IChatMemberStore))
            || !services.IsService(typeof(IMessageStore)) || !services.IsService(typeof(ILastSeenStore)))
        {
            failures.Add("ChatEngine has no store: add one to AddChatEngine(), such as .AddSqliteStores(connectionString) or " +
                ".AddEntityFrameworkStores<TContext>() (ChatEngine.EFCore), or .AddInMemoryStores() for tests.");
        }

        if (!services.IsService(typeof(IChatUserDirectory)))
        {
            failures.Add("ChatEngine reads your users through an IChatUserDirectory: add .AddUserDirectory<TContext, TUser>(u => u.Id, u => u.UserName) " +
                "(ChatEngine.EFCore) or .AddUserDirectory<TDirectory>() to AddChatEngine().");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Fails start-up when handles are asked for but the store keeps none (a store of the app's own without <see cref="IChatHandleStore"/>).</summary>
internal sealed class ChatHandleStoreValidator(IServiceProvider provider) : IValidateOptions<ChatEngineOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatEngineOptions options) =>
        provider.GetService<IServiceProviderIsService>() is not { } services || services.IsService(typeof(IChatHandleStore))
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("AddChatHandles() needs a store that keeps handles (IChatHandleStore): use AddEntityFrameworkStores<TContext>(), " +
                "AddSqliteStores(...), AddPostgreSqlStores(...) or AddInMemoryStores(), or implement IChatHandleStore beside your store.");
}
