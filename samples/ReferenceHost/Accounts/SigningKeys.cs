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
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var fresh = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
            try
            {
                using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                using var writer = new StreamWriter(file);
                writer.Write(fresh);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process of this host wrote it first: use theirs.
            }
        }

        return new SymmetricSecurityKey(Decode(File.ReadAllText(path).Trim(), path));
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
