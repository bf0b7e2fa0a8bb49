namespace ChatEngine;

/// <summary>Hands numbered changes to every <see cref="IChatChangeParticipant"/>, in registration order.</summary>
internal sealed class ChatChangeParticipation(IEnumerable<IChatChangeParticipant> participants, IChatUnitOfWork units)
{
    private readonly IChatChangeParticipant[] _participants = participants.ToArray();

    public async Task OnCommittingAsync(ChatChange change, CancellationToken cancellationToken)
    {
        if (_participants.Length > 0)
        {
            await OnCommittingAsync([new ChatLogEntry(change.Seq, null, change)], cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task OnCommittingAsync(IReadOnlyList<ChatLogEntry> changes, CancellationToken cancellationToken)
    {
        foreach (var participant in _participants)
        {
            await participant.OnCommittingAsync(changes, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Hands over a chat's creation in a unit of its own, right after the store created the chat (it
    /// has no id, so no unit, before); none is opened when nobody participates.
    /// </summary>
    public async Task OnChatCreatedAsync(ChatChange created, CancellationToken cancellationToken)
    {
        if (_participants.Length == 0)
        {
            return;
        }

        await units.RunAsync(created.ChatId, async token =>
        {
            await OnCommittingAsync(created, token).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }
}
