using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Web Push's cryptography: the message encryption of RFC 8291 (<c>aes128gcm</c>, RFC 8188) to the
/// device's key and secret, so the push service carries only ciphertext, and the VAPID authorization
/// of RFC 8292 (an ES256 JWT for the push service's origin), so it knows the pushes come from us.
/// </summary>
internal static class WebPushCrypto
{
    private const int RecordSize = 4096;

    /// <summary>Encrypts <paramref name="plaintext"/> for a device: the whole request body, header included.</summary>
    public static byte[] Encrypt(ReadOnlySpan<byte> plaintext, string p256dh, string auth)
    {
        var deviceKey = Base64Url.DecodeFromChars(p256dh.TrimEnd('='));
        var authSecret = Base64Url.DecodeFromChars(auth.TrimEnd('='));
        using var device = ECDiffieHellman.Create(PublicKey(deviceKey));
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var serverKey = Uncompressed(ephemeral.ExportParameters(includePrivateParameters: false));
        var shared = ephemeral.DeriveRawSecretAgreement(device.PublicKey);

        // RFC 8291 section 3.4: the input keying material binds both public keys and the auth secret.
        var keyInfo = Concat(Encoding.ASCII.GetBytes("WebPush: info\0"), deviceKey, serverKey);
        var ikm = HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, authSecret, keyInfo);
        var salt = RandomNumberGenerator.GetBytes(16);
        var cek = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 16, salt, Encoding.ASCII.GetBytes("Content-Encoding: aes128gcm\0"));
        var nonce = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 12, salt, Encoding.ASCII.GetBytes("Content-Encoding: nonce\0"));

        // One record: the payload, then the delimiter 0x02 of the last record.
        var padded = new byte[plaintext.Length + 1];
        plaintext.CopyTo(padded);
        padded[^1] = 2;
        var body = new byte[16 + 4 + 1 + serverKey.Length + padded.Length + 16];
        salt.CopyTo(body, 0);
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(16), RecordSize);
        body[20] = (byte)serverKey.Length;
        serverKey.CopyTo(body, 21);
        var header = 21 + serverKey.Length;
        using var aes = new AesGcm(cek, 16);
        aes.Encrypt(nonce, padded, body.AsSpan(header, padded.Length), body.AsSpan(header + padded.Length, 16));
        return body;
    }

    /// <summary>The <c>Authorization</c> header for a push service: <c>vapid t={jwt}, k={public key}</c>.</summary>
    public static string VapidAuthorization(Uri endpoint, string subject, string publicKey, string privateKey, DateTimeOffset now)
    {
        var audience = endpoint.GetLeftPart(UriPartial.Authority);
        var header = Base64Url.EncodeToString("""{"typ":"JWT","alg":"ES256"}"""u8);
        var claims = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(
            new VapidClaims(audience, now.AddHours(12).ToUnixTimeSeconds(), subject), ChatJsonContext.Default.VapidClaims));
        var signed = Encoding.ASCII.GetBytes(header + "." + claims);
        using var key = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            D = Base64Url.DecodeFromChars(privateKey.TrimEnd('=')),
            Q = PublicKey(Base64Url.DecodeFromChars(publicKey.TrimEnd('='))).Q,
        });
        // ES256 is the raw r||s form, which is .NET's default for ECDsa.
        var signature = Base64Url.EncodeToString(key.SignData(signed, HashAlgorithmName.SHA256));
        return $"vapid t={header}.{claims}.{signature}, k={publicKey.TrimEnd('=')}";
    }

    public static ECParameters PublicKey(ReadOnlySpan<byte> uncompressed) => uncompressed is [4, ..] && uncompressed.Length == 65
        ? new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = uncompressed[1..33].ToArray(), Y = uncompressed[33..].ToArray() } }
        : throw new CryptographicException("Not an uncompressed P-256 public key.");

    public static byte[] Uncompressed(ECParameters parameters) => Concat([4], parameters.Q.X!, parameters.Q.Y!);

    private static byte[] Concat(params byte[][] parts)
    {
        var all = new byte[parts.Sum(p => p.Length)];
        var offset = 0;
        foreach (var part in parts)
        {
            part.CopyTo(all, offset);
            offset += part.Length;
        }

        return all;
    }
}

internal sealed record VapidClaims(
    [property: System.Text.Json.Serialization.JsonPropertyName("aud")] string Audience,
    [property: System.Text.Json.Serialization.JsonPropertyName("exp")] long Expires,
    [property: System.Text.Json.Serialization.JsonPropertyName("sub")] string Subject);
