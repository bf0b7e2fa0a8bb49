namespace ChatEngine.AspNetCore;

/// <summary>
/// Outgoing webhooks (<c>ChatEngine:Webhooks</c>, contract v2 section 5): host configuration, not a
/// user route. Each endpoint gets the chats' change events it names, signed with each of its secrets.
/// </summary>
public sealed class ChatWebhookOptions
{
    /// <summary>Where events go. None by default, which turns webhooks off.</summary>
    public IList<ChatWebhookEndpoint> Endpoints { get; } = [];

    /// <summary>
    /// How long an attempt has, its body's making included, for the receiver to answer 2xx. Default 5
    /// seconds. A worker's lease on a delivery is twice this and a second.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Attempts before a delivery is given up. Default 6 (after about 10 s, 1 min, 10 min, 1 h and 6 h).</summary>
    public int MaxAttempts { get; set; } = 6;
}

/// <summary>One receiver of webhooks.</summary>
public sealed class ChatWebhookEndpoint
{
    /// <summary>The absolute http(s) URL events are POSTed to.</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>The secrets it is signed with, one <c>sha256=</c> each (two while one is being replaced).</summary>
    public IList<string> Secrets { get; } = [];

    /// <summary>The event types it gets (<c>message</c>, <c>member_added</c>…); empty for all.</summary>
    public IList<string> Events { get; } = [];
}

/// <summary>Checks webhook endpoints at start-up: an absolute http(s) URL and at least one secret each.</summary>
internal sealed class ChatWebhookOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<ChatWebhookOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, ChatWebhookOptions options)
    {
        var failures = new List<string>();
        foreach (var endpoint in options.Endpoints)
        {
            if (!Uri.TryCreate(endpoint.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                failures.Add($"ChatEngine:Webhooks:Endpoints has '{endpoint.Url}', which is not an absolute http or https URL.");
            }

            if (endpoint.Secrets.Count == 0 || endpoint.Secrets.Any(string.IsNullOrEmpty))
            {
                failures.Add($"ChatEngine:Webhooks:Endpoints '{endpoint.Url}' needs at least one secret (Secrets), and no empty one.");
            }
        }

        if (options.Timeout <= TimeSpan.Zero || options.MaxAttempts < 1)
        {
            failures.Add("ChatEngine:Webhooks: Timeout must be positive and MaxAttempts at least 1.");
        }

        return failures.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(failures);
    }
}
