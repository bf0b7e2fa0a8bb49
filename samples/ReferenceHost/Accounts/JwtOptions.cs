namespace ReferenceHost.Accounts;

/// <summary>JWT settings (section <c>Jwt</c>).</summary>
public sealed class JwtOptions
{
    /// <summary>
    /// The HMAC key, base64 (at least 32 bytes). Hosts behind one load balancer share it. When it is
    /// empty, a key is generated at first start and kept in <c>App_Data/jwt-signing-key</c>, outside the repository.
    /// </summary>
    public string? SigningKey { get; set; }

    public string Issuer { get; set; } = "ChatEngine.ReferenceHost";

    public string Audience { get; set; } = "ChatEngine";

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// How long after a refresh the same (now rotated) refresh token is still traded for a new pair
    /// instead of being taken as stolen: a mobile client whose answer was lost on a flaky network
    /// retries with the token it still has. Zero turns the grace off. Default 30 seconds.
    /// </summary>
    public TimeSpan RefreshReuseGrace { get; set; } = TimeSpan.FromSeconds(30);
}
