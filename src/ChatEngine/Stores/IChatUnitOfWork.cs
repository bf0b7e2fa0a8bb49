namespace ChatEngine;

/// <summary>
/// Runs one change of a chat as a unit: the store calls the work makes for that chat commit together
/// or not at all, and units of the same chat run one at a time, so rules that read and then write
/// (the member cap, who inherits ownership, deleting an emptied group) hold when requests race. A
/// store that several hosts share implements it in the store (the EF Core stores lock the chat's row
/// in a transaction); without one, <see cref="InProcessChatUnitOfWork"/> serializes a chat's changes
/// within this process only. Such a store's send transaction also waits for the units of the chats it
/// writes to (the EF Core stores' batch locks their rows): a unit that reads a chat and then writes,
/// as the end of a chat's push does, then sees every message committed before it.
/// </summary>
public interface IChatUnitOfWork
{
    /// <summary>Runs <paramref name="work"/> as the unit of chat <paramref name="chatId"/> and returns its result.</summary>
    Task<T> RunAsync<T>(long chatId, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken);
}

/// <summary>
/// The default <see cref="IChatUnitOfWork"/>: one chat's units run one at a time in this process
/// (chats share 1,024 gates, so memory stays fixed). Nothing is rolled back on failure: fine for the
/// in-memory store, whose calls each complete or do nothing; not for a database several hosts share.
/// </summary>
public sealed class InProcessChatUnitOfWork : IChatUnitOfWork, IDisposable
{
    private const int Gates = 1024;

    private readonly SemaphoreSlim[] _gates = Enumerable.Range(0, Gates).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    /// <inheritdoc />
    public async Task<T> RunAsync<T>(long chatId, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var gate = _gates[(int)((ulong)chatId % Gates)];
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await work(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var gate in _gates)
        {
            gate.Dispose();
        }
    }
}
