namespace ChatEngine.EntityFrameworkCore;

/// <summary>A send waiting for its batch to commit; the sender awaits <see cref="Completion"/>.</summary>
/// <remarks>
/// Continuations run inline, on the write loop, as it completes a batch's sends in commit order: so
/// each sender publishes its message before the next sender is answered, and broadcasts leave in
/// sequence order whatever the thread pool's scheduling. Event handlers must therefore stay quick
/// (the <see cref="IChatEventHandler"/> contract says so).
/// </remarks>
internal sealed class PendingSend(MessageDraft draft)
{
    private readonly TaskCompletionSource<MessageAppendResult> _completion = new();

    public MessageDraft Draft { get; } = draft;

    public Task<MessageAppendResult> Completion => _completion.Task;

    public void Complete(MessageAppendResult result) => _completion.TrySetResult(result);

    public void Fail(Exception error) => _completion.TrySetException(error);
}
