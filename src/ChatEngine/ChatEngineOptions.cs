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
}

/// <summary>How far back catch-up replays a chat's changes; beyond it a client reloads instead (<c>limited</c>).</summary>
public sealed class ChatSyncOptions
{
    /// <summary>Most changes one catch-up replays. Default 2,000.</summary>
    public int MaxReplay { get; set; } = 2000;

    /// <summary>Changes older than this are not replayed. Default 30 days.</summary>
    public TimeSpan ChangeLogRetention { get; set; } = TimeSpan.FromDays(30);
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
        if (options.Sync.ChangeLogRetention <= TimeSpan.Zero)
        {
            failures.Add($"ChatEngine:Sync:{nameof(options.Sync.ChangeLogRetention)} must be positive (it is {options.Sync.ChangeLogRetention}).");
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
