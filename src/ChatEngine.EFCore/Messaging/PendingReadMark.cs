namespace ChatEngine.EntityFrameworkCore;

/// <summary>
/// A read mark waiting for the write loop (<see cref="GroupCommitWriter{TContext}.MarkReadAsync"/>);
/// the reader awaits <see cref="Moved"/>: whether the member's position moved and a mark was logged.
/// </summary>
/// <remarks>
/// Continuations run on the thread pool, not on the write loop: the reader goes on to publish its
/// read event, which is not the loop's work.
/// </remarks>
internal sealed class PendingReadMark(long chatId, long userId, long upToSequence, DateTimeOffset readAt) : PendingWrite
{
    private readonly TaskCompletionSource<bool> _moved = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long ChatId { get; } = chatId;

    public long UserId { get; } = userId;

    public long UpToSequence { get; } = upToSequence;

    public DateTimeOffset ReadAt { get; } = readAt;

    public Task<bool> Moved => _moved.Task;

    public void Complete(bool moved) => _moved.TrySetResult(moved);

    public void Fail(Exception error) => _moved.TrySetException(error);
}

/// <summary>What the write loop's queue holds: a send (<see cref="PendingSend"/>) or a read mark (<see cref="PendingReadMark"/>).</summary>
internal abstract class PendingWrite
{
}
