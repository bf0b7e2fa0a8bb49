using System.Buffers.Text;
using System.Security.Cryptography;

namespace ChatEngine;

/// <summary>Join codes: 96 bits from the system's cryptographic generator, URL-safe Base64 (16 characters).</summary>
internal static class JoinCodes
{
    private const int RandomBytes = 12;

    /// <summary>Longest code worth looking up (stores keep up to 64 characters).</summary>
    public const int MaxLength = 64;

    public static string Generate() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(RandomBytes));
}
