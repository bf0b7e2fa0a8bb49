using System.Buffers.Binary;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>
/// A push service on real Kestrel, as a browser's would be: it checks each push's VAPID signature
/// (RFC 8292) against the key the server sends, and decrypts the payload (RFC 8291) with the device
/// keys it handed out, so a push that is not properly signed and encrypted fails the test.
/// </summary>
public sealed class TestPushService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, TestDevice> _devices = new();
    private readonly ConcurrentDictionary<string, int> _answers = new();
    private readonly ConcurrentQueue<Task> _holds = new();
    private readonly Channel<ReceivedPush> _received = Channel.CreateUnbounded<ReceivedPush>();

    private TestPushService()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapPost("/push/{device}", async (HttpContext context, string device) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var vapidValid = VerifyVapid(context.Request.Headers.Authorization.ToString(), $"{context.Request.Scheme}://{context.Request.Host}");
            var payload = _devices.TryGetValue(device, out var keys) ? Decrypt(body.ToArray(), keys) : null;
            var status = _answers.TryGetValue(device, out var answer) ? answer : 201;
            _received.Writer.TryWrite(new ReceivedPush(
                device, vapidValid, context.Request.Headers.ContentEncoding.ToString(), context.Request.Headers["TTL"].ToString(),
                context.Request.Headers["Topic"].ToString(), context.Request.Headers["Urgency"].ToString(),
                payload is null ? null : JsonNode.Parse(payload)!.AsObject(), status));
            if (_holds.TryDequeue(out var hold))
            {
                await hold.WaitAsync(context.RequestAborted); // A push service that has not answered yet.
            }

            context.Response.StatusCode = status;
        });
    }

    public string BaseUrl { get; private set; } = "";

    public static async Task<TestPushService> StartAsync()
    {
        var service = new TestPushService();
        await service._app.StartAsync();
        service.BaseUrl = service._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return service;
    }

    /// <summary>A new device: the subscription a browser would make (endpoint and keys).</summary>
    public TestDevice NewDevice(string name)
    {
        var device = new TestDevice(name, $"{BaseUrl}/push/{name}", ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256), RandomNumberGenerator.GetBytes(16));
        _devices[name] = device;
        return device;
    }

    /// <summary>Holds the next push's answer until <paramref name="release"/> completes.</summary>
    public void HoldNext(Task release) => _holds.Enqueue(release);

    /// <summary>Answers every push to the device with <paramref name="status"/> from now on.</summary>
    public void Answer(string device, int status) => _answers[device] = status;

    public async Task<ReceivedPush> NextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        return await _received.Reader.ReadAsync(cts.Token);
    }

    /// <summary>The next push, moving the server's clock on meanwhile (pushes wait their delay on it, the worker polls on it).</summary>
    public async Task<ReceivedPush> NextAdvancingAsync(FakeTimeProvider time)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                return await NextAsync(TimeSpan.FromMilliseconds(100));
            }
            catch (OperationCanceledException) when (DateTime.UtcNow < deadline)
            {
                time.Advance(TimeSpan.FromSeconds(2));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (var device in _devices.Values)
        {
            device.Key.Dispose();
        }
    }

    private static bool VerifyVapid(string authorization, string origin)
    {
        // "vapid t=<header.claims.signature>, k=<public key>"
        var parts = authorization.StartsWith("vapid ", StringComparison.Ordinal)
            ? authorization[6..].Split(',', StringSplitOptions.TrimEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1])
            : [];
        if (!parts.TryGetValue("t", out var jwt) || !parts.TryGetValue("k", out var key))
        {
            return false;
        }

        var sections = jwt.Split('.');
        var publicKey = Base64Url.DecodeFromChars(key);
        using var verifier = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = publicKey[1..33], Y = publicKey[33..] },
        });
        var claims = JsonNode.Parse(Base64Url.DecodeFromChars(sections[1]))!;
        var header = JsonNode.Parse(Base64Url.DecodeFromChars(sections[0]))!;
        return (string?)header["alg"] == "ES256"
            && verifier.VerifyData(Encoding.ASCII.GetBytes(sections[0] + "." + sections[1]), Base64Url.DecodeFromChars(sections[2]), HashAlgorithmName.SHA256)
            && (string?)claims["aud"] == origin
            && (long)claims["exp"]! > DateTimeOffset.UtcNow.ToUnixTimeSeconds()
            && (long)claims["exp"]! <= DateTimeOffset.UtcNow.AddHours(24).ToUnixTimeSeconds()
            && ((string?)claims["sub"])?.Length > 0;
    }

    /// <summary>RFC 8291 from the device's side: the key from the header, the secrets from the device's own keys.</summary>
    private static string? Decrypt(byte[] body, TestDevice device)
    {
        try
        {
            var salt = body[..16];
            var recordSize = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(16));
            var serverKey = body[21..(21 + body[20])];
            var ciphertext = body[(21 + body[20])..];
            using var server = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = serverKey[1..33], Y = serverKey[33..] },
            });
            var shared = device.Key.DeriveRawSecretAgreement(server.PublicKey);
            var info = Encoding.ASCII.GetBytes("WebPush: info\0").Concat(device.PublicKey).Concat(serverKey).ToArray();
            var ikm = HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, device.Auth, info);
            var cek = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 16, salt, Encoding.ASCII.GetBytes("Content-Encoding: aes128gcm\0"));
            var nonce = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 12, salt, Encoding.ASCII.GetBytes("Content-Encoding: nonce\0"));
            var plaintext = new byte[ciphertext.Length - 16];
            using var aes = new AesGcm(cek, 16);
            aes.Decrypt(nonce, ciphertext[..^16], ciphertext[^16..], plaintext);
            var end = Array.LastIndexOf(plaintext, (byte)2); // The last record's delimiter, then padding.
            return recordSize >= 18 && end >= 0 ? Encoding.UTF8.GetString(plaintext, 0, end) : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}

public sealed record TestDevice(string Name, string Endpoint, ECDiffieHellman Key, byte[] Auth)
{
    public byte[] PublicKey
    {
        get
        {
            var q = Key.ExportParameters(false).Q;
            return [4, .. q.X!, .. q.Y!];
        }
    }

    public object Subscription => new { endpoint = Endpoint, keys = new { p256dh = Base64Url.EncodeToString(PublicKey), auth = Base64Url.EncodeToString(Auth) } };
}

public sealed record ReceivedPush(string Device, bool VapidValid, string ContentEncoding, string Ttl, string Topic, string Urgency, JsonObject? Payload, int AnsweredWith);
