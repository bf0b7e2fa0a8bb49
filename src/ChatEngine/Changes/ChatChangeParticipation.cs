namespace ChatEngine;

/// <summary>Hands numbered changes to every <see cref="IChatChangeParticipant"/>, in registration order.</summary>
internal sealed class ChatChangeParticipation(IEnumerable<IChatChangeParticipant> participants)
{
    private readonly IChatChangeParticipant[] _participants = participants.ToArray();

    /// <summary>Whether any participant is registered (if none, no unit needs opening for them).</summary>
    public bool Any => _participants.Length > 0;

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
}
