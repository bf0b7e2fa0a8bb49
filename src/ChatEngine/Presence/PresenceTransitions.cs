namespace ChatEngine;

/// <summary>
/// Puts each user's presence transitions on this host in line. A disconnect writes last seen before
/// it announces "offline"; without this, a connect right behind it (a page navigating from one chat
/// to the next) could announce "online" first and leave everyone seeing the user offline. Users are
/// spread over a fixed set of gates, so memory does not grow with the number of users.
/// </summary>
internal sealed class PresenceTransitions
{
    private readonly SemaphoreSlim[] _gates = Enumerable.Range(0, 256).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    /// <summary>Waits for the user's earlier transitions; dispose the result to let the next one go.</summary>
    public async ValueTask<Turn> EnterAsync(long userId, CancellationToken cancellationToken)
    {
        var gate = _gates[(int)((ulong)userId % (ulong)_gates.Length)];
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Turn(gate);
    }

    public readonly struct Turn(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
