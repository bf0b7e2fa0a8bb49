namespace ChatEngine.EntityFrameworkCore;

/// <summary>How the EF Core send path batches messages (and the read marks that join them) into transactions.</summary>
public sealed class GroupCommitOptions
{
    /// <summary>Most messages and read marks written in one transaction. Default 1,024 (batches only grow this large under heavy load).</summary>
    public int MaxBatchSize { get; set; } = 1024;

    /// <summary>
    /// Sends and read marks waiting to be written before new ones wait for room (back-pressure instead
    /// of unbounded memory). Default 10,000.
    /// </summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>Times a failed batch is retried (for example after a transient conflict) before its senders get an error. Default 2.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>
    /// On SQLite, the pages the write-ahead log holds before the write loop makes it start over from
    /// its beginning (see <see cref="SqliteCheckpoints{TContext}"/>): 16,384, 64 MiB of 4 KiB pages.
    /// </summary>
    internal int SqliteLogRestartPages { get; set; } = 16_384;
}
