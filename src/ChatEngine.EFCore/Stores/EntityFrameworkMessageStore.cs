using Microsoft.EntityFrameworkCore;

namespace ChatEngine.EntityFrameworkCore;

/// <summary>Messages in any DbContext whose model has <c>UseChatEngine()</c>; appends go through the group-commit writer.</summary>
/// <typeparam name="TContext">The DbContext.</typeparam>
internal sealed class EntityFrameworkMessageStore<TContext>(Func<TContext> context, GroupCommitWriter<TContext> writer) : IMessageStore
    where TContext : DbContext
{
    // Appending goes to the write loop; only reads take the scope's context.
    private IQueryable<MessageEntity> Messages => context().Set<MessageEntity>().AsNoTracking();

    public Task<MessageAppendResult> AppendAsync(MessageDraft draft, CancellationToken cancellationToken) =>
        writer.AppendAsync(draft, cancellationToken);

    public async Task<ChatMessage?> FindByIdAsync(long messageId, CancellationToken cancellationToken) =>
        (await Messages.FirstOrDefaultAsync(m => m.Id == messageId, cancellationToken).ConfigureAwait(false))?.ToMessage();

    public async Task<IReadOnlyList<ChatMessage>> GetBeforeAsync(long chatId, long? beforeSequence, int limit, CancellationToken cancellationToken)
    {
        var before = beforeSequence ?? long.MaxValue;
        var page = await Messages
            .Where(m => m.ChatId == chatId && m.Sequence < before)
            .OrderByDescending(m => m.Sequence)
            .Take(limit)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        page.Reverse();
        return page.Select(m => m.ToMessage()).ToArray();
    }

    public async Task<IReadOnlyList<ChatMessage>> GetAfterAsync(long chatId, long afterSequence, int limit, CancellationToken cancellationToken)
    {
        var page = await Messages
            .Where(m => m.ChatId == chatId && m.Sequence > afterSequence)
            .OrderBy(m => m.Sequence)
            .Take(limit)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        return page.Select(m => m.ToMessage()).ToArray();
    }
}
