using Microsoft.Extensions.Options;

using ChatEngine.AspNetCore;

namespace ChatEngine.Redis;

/// <summary>Settings of scale-out over Redis (configuration section <c>ChatEngine:ScaleOut</c>).</summary>
public sealed class ChatScaleOutOptions
{
    /// <summary>
    /// Prefix of every Redis key and channel ChatEngine uses, so several deployments can share one
    /// Redis. Default <c>chatengine</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = "chatengine";

    /// <summary>
    /// How long a host that stopped without closing its connections (a crash, a lost machine) keeps
    /// its users online: hosts renew their lease every third of it, and another host takes the users
    /// offline once it runs out. Default 30 seconds.
    /// </summary>
    public TimeSpan PresenceLease { get; set; } = TimeSpan.FromSeconds(30);
}

internal sealed class ChatScaleOutOptionsValidator : IValidateOptions<ChatScaleOutOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatScaleOutOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.KeyPrefix))
        {
            failures.Add("ChatEngine:ScaleOut:KeyPrefix must not be empty (default chatengine).");
        }

        if (options.PresenceLease < TimeSpan.FromSeconds(1))
        {
            failures.Add($"ChatEngine:ScaleOut:PresenceLease must be at least one second (it is {options.PresenceLease}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
