namespace ChatEngine.EntityFrameworkCore;

/// <summary>A send waiting for its batch to commit; the sender awaits <see cref="Completion"/>.</summary>
internal sealed class PendingSend(MessageDraft draft)
{
    private readonly TaskCompletionSource<MessageAppendResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MessageDraft Draft { get; } = draft;

    public Task<MessageAppendResult> Completion => _completion.Task;

    public void Complete(MessageAppendResult result) => _completion.TrySetResult(result);

    public void Fail(Exception error) => _completion.TrySetException(error);
}
