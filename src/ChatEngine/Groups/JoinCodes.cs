using System.Buffers.Text;
using System.Security.Cryptography;

namespace ChatEngine;

/// <summary>Join codes: 96 bits from the system's cryptographic generator, URL-safe Base64 (16 characters).</summary>
internal static class JoinCodes
{
    private const int RandomBytes = 12;

    public static string Generate() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(RandomBytes));
}
