namespace ChatEngine;

/// <summary>
/// Records a change of a chat, inside the chat's unit of work: numbers it in the chat's log (so it
/// commits with the rows it describes), names its members, and hands it to the participants.
/// </summary>
internal sealed class ChatChangeRecorder(IChatStore chats, IChatUserDirectory users, ChatChangeParticipation participation)
{
    public async Task<ChatChanged> RecordAsync(ChatChange change, IReadOnlyCollection<long> affected, CancellationToken cancellationToken)
    {
        var seq = chats is IChatChangeLog log ? await log.AppendAsync(change, cancellationToken).ConfigureAwait(false) : 0;
        var named = change with { Seq = seq };
        if (change.Members.Count > 0)
        {
            var known = await users.GetByIdsAsync(change.Members.Select(m => m.UserId).ToArray(), cancellationToken).ConfigureAwait(false);
            named = ChatChanges.WithNames(named, id => known.GetValueOrDefault(id) ?? ChatAccess.UnknownUser(id));
        }

        await participation.OnCommittingAsync(named, cancellationToken).ConfigureAwait(false);
        return new ChatChanged(named, affected.ToArray());
    }
}
