namespace ChatEngine;

/// <summary>
/// Writes that must commit together with a chat's numbered changes, or not at all: an outbox for
/// webhooks or push, a search index. Register one with <c>AddChangeParticipant&lt;T&gt;()</c> (scoped).
/// Every participant is called with the changes, already numbered, inside the transaction that
/// commits them: the chat's unit of work (<see cref="IChatUnitOfWork"/>) for membership changes, the
/// store's send transaction for messages (the EF Core stores' group-commit batch). Whatever it writes
/// through the same store (with the EF Core stores: the scope's DbContext, which carries that
/// transaction) commits with them; if it throws, the changes it was given fail and nothing of them
/// is kept. Two exceptions, said plainly: a chat's creation (its change 1) is handed over in a unit
/// of its own right after the chat is created, and the in-memory store, which has no transactions,
/// calls participants for messages right after storing them (in the chat's unit). The EF Core stores
/// resolve the participants for messages once per write session (up to 1,000 batches), so keep
/// nothing in a participant's fields from one call to the next.
/// </summary>
public interface IChatChangeParticipant
{
    /// <summary>Called before <paramref name="changes"/> commit, in their transaction.</summary>
    Task OnCommittingAsync(IReadOnlyList<ChatLogEntry> changes, CancellationToken cancellationToken);

    /// <summary>
    /// Called once <paramref name="changes"/> have committed, never when they failed: for what a
    /// participant may now take as settled (what it remembers of the store, say), never for writes. The
    /// EF Core stores call it after each send batch, the in-memory store after each message; changes
    /// committed in a chat's unit of work do not come here. It must not throw: the changes stay
    /// committed whatever it does.
    /// </summary>
    void OnCommitted(IReadOnlyList<ChatLogEntry> changes)
    {
    }
}
