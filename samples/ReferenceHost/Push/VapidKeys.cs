using System.Buffers.Text;
using System.Security.Cryptography;
using ChatEngine;
using ReferenceHost.Accounts;

namespace ReferenceHost.Push;

/// <summary>
/// Web Push's VAPID keys: from configuration (<c>ChatEngine:Push:VapidPublicKey</c> and
/// <c>VapidPrivateKey</c>), or generated at first start and kept in the app's data folder (like the JWT
/// signing key), so push works out of the box and subscriptions outlive restarts. Several hosts need
/// the same keys: with <c>ConnectionStrings:Redis</c> set, keys are never generated, and push stays off
/// until they are configured.
/// </summary>
internal static class VapidKeys
{
    public static void AddReferenceHostPush(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (!string.IsNullOrWhiteSpace(configuration["ChatEngine:Push:VapidPrivateKey"]) || !string.IsNullOrWhiteSpace(configuration.GetConnectionString("Redis")))
        {
            return;
        }

        var path = configuration["Push:KeysFile"] is { Length: > 0 } file ? file : Path.Combine(builder.Environment.ContentRootPath, "App_Data", "vapid-keys");
        var (publicKey, privateKey) = LoadOrCreate(path);
        builder.Services.PostConfigure<ChatEngineOptions>(o =>
        {
            o.Push.VapidPublicKey = publicKey;
            o.Push.VapidPrivateKey = privateKey;
        });
    }

    private static (string PublicKey, string PrivateKey) LoadOrCreate(string path)
    {
        var lines = AppDataSecrets.ReadOrCreate(path, () =>
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var parameters = key.ExportParameters(includePrivateParameters: true);
            return $"{Base64Url.EncodeToString([4, .. parameters.Q.X!, .. parameters.Q.Y!])}\n{Base64Url.EncodeToString(parameters.D)}\n";
        }).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length >= 2
            ? (lines[0], lines[1])
            : throw new InvalidOperationException($"The VAPID keys in {path} are not two lines (public, private): delete the file to make new ones.");
    }
}
