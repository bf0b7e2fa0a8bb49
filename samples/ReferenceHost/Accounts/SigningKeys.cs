using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace ReferenceHost.Accounts;

/// <summary>The JWT signing key: from configuration, or generated once and kept in the app's data folder.</summary>
internal static class SigningKeys
{
    public static SymmetricSecurityKey Load(JwtOptions options, string contentRoot)
    {
        if (!string.IsNullOrWhiteSpace(options.SigningKey))
        {
            return new SymmetricSecurityKey(Decode(options.SigningKey, "Jwt:SigningKey"));
        }

        var path = Path.Combine(contentRoot, "App_Data", "jwt-signing-key");
        var stored = AppDataSecrets.ReadOrCreate(path, () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));
        return new SymmetricSecurityKey(Decode(stored.Trim(), path));
    }

    private static byte[] Decode(string value, string source)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(value);
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException($"The JWT signing key in {source} must be base64.", ex);
        }

        return key.Length >= 32 ? key : throw new InvalidOperationException($"The JWT signing key in {source} must be at least 32 bytes (it is {key.Length}).");
    }
}
