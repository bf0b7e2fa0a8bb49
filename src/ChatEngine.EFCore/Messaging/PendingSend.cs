namespace ChatEngine.EntityFrameworkCore;

/// <summary>A send waiting for its batch to commit; the sender awaits <see cref="Completion"/>.</summary>
/// <remarks>
/// Continuations run inline, on the answering loop, as it completes a batch's sends in commit order:
/// so each sender publishes its message before the next sender is answered, and events are queued
/// in sequence order whatever the thread pool's scheduling. Publishing only queues (delivery and
/// host handlers run on loops of their own) and the sender then yields to the thread pool
/// (<see cref="MessagingService.CommitAsync"/>), so no transport or host code runs here.
/// </remarks>
internal sealed class PendingSend(MessageDraft draft) : PendingWrite
{
    private readonly TaskCompletionSource<MessageAppendResult> _completion = new();

    public MessageDraft Draft { get; } = draft;

    /// <summary>The text as the search index takes it, worked out by the sender rather than on the write loop.</summary>
    public string SearchText { get; } = ChatSearchText.Normalize(draft.Text);

    public Task<MessageAppendResult> Completion => _completion.Task;

    public void Complete(MessageAppendResult result) => _completion.TrySetResult(result);

    public void Fail(Exception error) => _completion.TrySetException(error);
}
