using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace ChatEngine;

/// <summary>
/// Pairs this process has seen that never change once made (a user key and its id, a user and their
/// handle), looked up either way. Entries never go stale; past <see cref="Capacity"/> pairs the
/// cache starts over, which costs one read per pair.
/// </summary>
internal abstract class PermanentPairs<TFirst, TSecond>(IEqualityComparer<TFirst>? firsts = null, IEqualityComparer<TSecond>? seconds = null)
    where TFirst : notnull
    where TSecond : notnull
{
    public const int Capacity = 200_000;

    private readonly ConcurrentDictionary<TFirst, TSecond> _byFirst = new(firsts);
    private readonly ConcurrentDictionary<TSecond, TFirst> _bySecond = new(seconds);

    public bool TryGet(TFirst first, [MaybeNullWhen(false)] out TSecond second) => _byFirst.TryGetValue(first, out second);

    public bool TryGet(TSecond second, [MaybeNullWhen(false)] out TFirst first) => _bySecond.TryGetValue(second, out first);

    public void Add(TFirst first, TSecond second)
    {
        if (_byFirst.Count >= Capacity)
        {
            _byFirst.Clear();
            _bySecond.Clear();
        }

        _byFirst[first] = second;
        _bySecond[second] = first;
    }
}

/// <summary>The user keys and chat user ids this process has seen (<see cref="ChatUserKeys"/>).</summary>
internal sealed class ChatUserKeyCache() : PermanentPairs<string, long>(StringComparer.Ordinal);

/// <summary>The users and handles this process has seen (<see cref="ChatHandleDirectory"/>); handles match ignoring case.</summary>
internal sealed class ChatHandleCache() : PermanentPairs<long, string>(seconds: StringComparer.OrdinalIgnoreCase);
