using Microsoft.Extensions.Options;

namespace ChatEngine;

/// <summary>
/// Deletes messages older than <see cref="ChatRetentionOptions.MaxMessageAge"/> (contract v2, section 6),
/// in small batches (a short transaction each, so sends never wait on it) and without events. A
/// replay from before the cut is then <c>limited</c>, as for any log that was cut.
/// </summary>
public sealed class ChatRetention
{
    private readonly IMessageRetentionStore? _store;
    private readonly AttachmentService _attachments;
    private readonly TimeProvider _time;
    private readonly ChatRetentionOptions _options;

    internal ChatRetention(IMessageRetentionStore? store, AttachmentService attachments, TimeProvider time, IOptions<ChatEngineOptions> options)
    {
        _store = store;
        _attachments = attachments;
        _time = time;
        _options = options.Value.Retention;
    }

    /// <summary>Whether old messages are deleted: an age is set and the store can delete them.</summary>
    public bool IsActive => _options.MaxMessageAge is not null && _store is not null;

    /// <summary>Whether an age is set that the store cannot apply (the in-memory store keeps everything).</summary>
    public bool IsUnsupported => _options.MaxMessageAge is not null && _store is null;

    /// <summary>Deletes every message that is past the age now (pinned ones kept when so configured), with its files; returns how many.</summary>
    public async Task<int> PruneAsync(CancellationToken cancellationToken = default)
    {
        if (_store is null || _options.MaxMessageAge is not { } age)
        {
            return 0;
        }

        var before = _time.GetUtcNow() - age;
        var total = 0;
        for (long after = 0; ;)
        {
            var (next, deleted, files) = await _store.DeleteMessagesBeforeAsync(before, _options.KeepPinned, after, _options.BatchSize, cancellationToken).ConfigureAwait(false);
            await _attachments.DeleteFilesAsync(files).ConfigureAwait(false);
            total += deleted;
            if (next == 0)
            {
                return total;
            }

            after = next;
        }
    }
}
