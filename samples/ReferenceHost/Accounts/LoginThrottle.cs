using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace ReferenceHost.Accounts;

/// <summary>Password guessing limits (section <c>Accounts:Throttle</c>).</summary>
public sealed class LoginThrottleOptions
{
    /// <summary>Wrong passwords from one address before it must wait. Default 5.</summary>
    public int FreeFailuresPerAddress { get; set; } = 5;

    /// <summary>Wrong passwords for one account before guesses at it must wait. Default 5.</summary>
    public int FreeFailuresPerAccount { get; set; } = 5;

    /// <summary>The first wait; each further failure doubles it. Default 1 second.</summary>
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait for one address. Default 15 minutes.</summary>
    public TimeSpan MaxAddressDelay { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The longest wait for one account. Kept short: anyone can fail at anyone's account, so this
    /// bounds how far a stranger can slow its owner down. Default 30 seconds.
    /// </summary>
    public TimeSpan MaxAccountDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Failures are forgotten this long after the last one. Default 1 hour.</summary>
    public TimeSpan ForgetAfter { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Throttles password guessing instead of locking accounts: after a few wrong passwords, the address
/// and the account each wait a delay that doubles with every further failure (capped), and a correct
/// password clears both. Nothing is locked and no token is revoked, so a stranger's failures cannot
/// take anyone's account or sessions away; at worst they slow its sign-ins to one per
/// <see cref="LoginThrottleOptions.MaxAccountDelay"/>. Kept in memory per host: behind a load balancer
/// each host counts on its own.
/// </summary>
internal sealed class LoginThrottle(IOptions<LoginThrottleOptions> options, TimeProvider time)
{
    private const int MaxEntries = 100_000;

    private readonly LoginThrottleOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, Failures> _failures = new(StringComparer.Ordinal);

    /// <summary>How long the caller must still wait before this attempt may be checked, or zero.</summary>
    public TimeSpan RetryAfter(IPAddress? address, string normalizedUserName)
    {
        var now = time.GetUtcNow();
        var byAddress = Wait(AddressKey(address), _options.FreeFailuresPerAddress, _options.MaxAddressDelay, now);
        var account = Wait(AccountKey(normalizedUserName), _options.FreeFailuresPerAccount, _options.MaxAccountDelay, now);
        return byAddress > account ? byAddress : account;
    }

    public void Failed(IPAddress? address, string normalizedUserName)
    {
        var now = time.GetUtcNow();
        if (_failures.Count >= MaxEntries)
        {
            Forget(now);
        }

        Count(AddressKey(address), now);
        Count(AccountKey(normalizedUserName), now);
    }

    public void Succeeded(IPAddress? address, string normalizedUserName)
    {
        _failures.TryRemove(AddressKey(address), out _);
        _failures.TryRemove(AccountKey(normalizedUserName), out _);
    }

    private TimeSpan Wait(string key, int free, TimeSpan max, DateTimeOffset now)
    {
        if (!_failures.TryGetValue(key, out var failures))
        {
            return TimeSpan.Zero;
        }

        var (count, last) = failures.Read();
        if (count <= free || now - last > _options.ForgetAfter)
        {
            return TimeSpan.Zero;
        }

        var doublings = Math.Min(count - free - 1, 30);
        var delay = TimeSpan.FromTicks(Math.Min(_options.FirstDelay.Ticks << doublings, max.Ticks));
        var until = last + delay;
        return until > now ? until - now : TimeSpan.Zero;
    }

    private void Count(string key, DateTimeOffset now)
    {
        var failures = _failures.GetOrAdd(key, _ => new Failures());
        failures.Add(now, _options.ForgetAfter);
    }

    private void Forget(DateTimeOffset now)
    {
        foreach (var (key, failures) in _failures)
        {
            if (now - failures.Read().Last > _options.ForgetAfter)
            {
                _failures.TryRemove(key, out _);
            }
        }
    }

    /// <summary>One key per IPv4 address, and per /64 for IPv6, which hands each client a whole /64 to rotate through.</summary>
    private static string AddressKey(IPAddress? address)
    {
        if (address is null)
        {
            return "ip:unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            return "ip6:" + Convert.ToHexString(bytes, 0, 8);
        }

        return "ip:" + address;
    }

    private static string AccountKey(string normalizedUserName) => "user:" + normalizedUserName;

    private sealed class Failures
    {
        private readonly Lock _lock = new();
        private int _count;
        private DateTimeOffset _last;

        public (int Count, DateTimeOffset Last) Read()
        {
            lock (_lock)
            {
                return (_count, _last);
            }
        }

        public void Add(DateTimeOffset now, TimeSpan forgetAfter)
        {
            lock (_lock)
            {
                _count = now - _last > forgetAfter ? 1 : _count + 1;
                _last = now;
            }
        }
    }
}
