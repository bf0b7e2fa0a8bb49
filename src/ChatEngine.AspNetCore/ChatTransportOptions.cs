using System.Security.Claims;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>Limits and settings of the REST, WebSocket and SignalR transports.</summary>
public sealed class ChatTransportOptions
{
    /// <summary>Largest chat WebSocket frame a client may send, in bytes. Default 64 KiB.</summary>
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>Largest file relayed over <c>ws/file/{id}/</c>, in bytes. Default 10 MB.</summary>
    public long MaxFileBytes { get; set; } = 10 * 1000 * 1000;

    /// <summary>File sockets one user may have open at once (each may hold a file in flight). Default 8.</summary>
    public int MaxFileSocketsPerUser { get; set; } = 8;

    /// <summary>
    /// How long relaying one file to one recipient may take before that recipient's file socket is
    /// dropped (it stopped reading, and would hold the sender and the file in memory). Default 30 seconds.
    /// </summary>
    public TimeSpan FileSendTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Frames waiting for a slow connection before it is closed (it catches up with <c>?after=</c>). Default 512.</summary>
    public int SendQueueCapacity { get; set; } = 512;

    /// <summary>How often the server pings idle WebSockets. Default 30 seconds.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Messages one user may send per second, across connections (a token bucket). Default 20.</summary>
    public int SendsPerSecond { get; set; } = 20;

    /// <summary>Messages one user may send in a burst before the rate applies. Default 40.</summary>
    public int SendBurst { get; set; } = 40;

    /// <summary>
    /// At most one <c>typing</c> is delivered per user per chat in this interval; the rest are
    /// dropped silently. Default 3 seconds.
    /// </summary>
    public TimeSpan TypingInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// REST changes other than sending (creating groups, adding members, joining...) one user may make
    /// per minute once their burst is spent. Default 60.
    /// </summary>
    public int RestWritesPerMinute { get; set; } = 60;

    /// <summary>REST changes one user may make in a burst. Default 30.</summary>
    public int RestWriteBurst { get; set; } = 30;

    /// <summary>
    /// Origins, besides the app's own, allowed to open cookie-authenticated WebSockets
    /// (for example <c>https://chat.example.com</c>). Bearer-authenticated sockets are not checked.
    /// </summary>
    public IList<string> AllowedOrigins { get; } = [];

    /// <summary>
    /// Where the chat pages send an anonymous visitor. Default (<see langword="null"/>): the login path
    /// of the app's own cookie authentication, the scheme that signs page visitors in.
    /// </summary>
    public string? LoginPath { get; set; }

    /// <summary>
    /// Where the pages' "Sign out" button posts (with the anti-forgery token). Default
    /// (<see langword="null"/>): the logout path of the app's own cookie authentication; empty hides
    /// the button, for apps that sign out elsewhere.
    /// </summary>
    public string? LogoutPath { get; set; }

    /// <summary>How the chat pages fit the app: brand, a link home, the app's styles and layout.</summary>
    public ChatPageOptions Pages { get; } = new();

    /// <summary>
    /// Reads the chat user id from the authenticated principal, for apps whose principals carry it
    /// somewhere unusual. Default (<see langword="null"/>): the <c>NameIdentifier</c> or <c>sub</c>
    /// claim, which the user directory turns into a chat user id (a number as it is; a string or GUID
    /// key through ChatEngine's own ids, see <see cref="IChatUserDirectory.FindIdByKeyAsync"/>).
    /// </summary>
    public Func<ClaimsPrincipal, long?>? UserIdResolver { get; set; }
}

/// <summary>Checks <see cref="ChatTransportOptions"/> at start-up.</summary>
internal sealed class ChatTransportOptionsValidator : IValidateOptions<ChatTransportOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatTransportOptions options)
    {
        var failures = new List<string>();
        if (options.MaxFrameBytes < 1024)
        {
            failures.Add($"ChatEngine transports: MaxFrameBytes must be at least 1024 (it is {options.MaxFrameBytes}).");
        }

        if (options.MaxFileBytes < 1)
        {
            failures.Add($"ChatEngine transports: MaxFileBytes must be greater than 0 (it is {options.MaxFileBytes}).");
        }

        if (options.MaxFileSocketsPerUser < 1 || options.FileSendTimeout <= TimeSpan.Zero)
        {
            failures.Add("ChatEngine transports: MaxFileSocketsPerUser and FileSendTimeout must be greater than 0.");
        }

        if (options.SendQueueCapacity < 1)
        {
            failures.Add($"ChatEngine transports: SendQueueCapacity must be greater than 0 (it is {options.SendQueueCapacity}).");
        }

        if (options.SendsPerSecond < 1 || options.SendBurst < 1)
        {
            failures.Add("ChatEngine transports: SendsPerSecond and SendBurst must be greater than 0.");
        }

        if (options.TypingInterval < TimeSpan.Zero)
        {
            failures.Add($"ChatEngine transports: TypingInterval must not be negative (it is {options.TypingInterval}).");
        }

        if (options.RestWritesPerMinute < 1 || options.RestWriteBurst < 1)
        {
            failures.Add("ChatEngine transports: RestWritesPerMinute and RestWriteBurst must be greater than 0.");
        }

        if (options.Pages.Layout is { } layout && !typeof(Microsoft.AspNetCore.Components.LayoutComponentBase).IsAssignableFrom(layout))
        {
            failures.Add($"ChatEngine pages: Pages.Layout must be a layout component (derive from LayoutComponentBase); {layout.FullName} is not.");
        }

        if (string.IsNullOrWhiteSpace(options.Pages.Brand))
        {
            failures.Add("ChatEngine pages: Pages.Brand must not be empty.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
