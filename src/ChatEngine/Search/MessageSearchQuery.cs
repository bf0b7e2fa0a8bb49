namespace ChatEngine;

/// <summary>How search results are ordered.</summary>
public enum MessageSearchOrder
{
    /// <summary>Newest first (paged by message id).</summary>
    Recent = 0,

    /// <summary>Best match first, ties newest first (paged by a cursor of rank and id).</summary>
    Relevance = 1,
}

/// <summary>One thing every result must contain: a word (its last word may match as a prefix) or a phrase of words in order.</summary>
/// <param name="Words">Its normalized words (<see cref="ChatSearchText"/>), in order; more than one is a phrase.</param>
/// <param name="Prefix">Whether the last word matches as a prefix too.</param>
public sealed record MessageSearchTerm(IReadOnlyList<string> Words, bool Prefix);

/// <summary>A search of one user's messages as a store runs it (see <see cref="ISearchIndex"/>).</summary>
public sealed record MessageSearchQuery
{
    /// <summary>Whose chats to search: only chats they are a member of now, filtered inside the query.</summary>
    public required long UserId { get; init; }

    /// <summary>Every term must match.</summary>
    public required IReadOnlyList<MessageSearchTerm> Terms { get; init; }

    /// <summary>One chat only.</summary>
    public long? ChatId { get; init; }

    /// <summary>One sender only.</summary>
    public long? SenderId { get; init; }

    /// <summary>The order.</summary>
    public MessageSearchOrder Order { get; init; }

    /// <summary>For <see cref="MessageSearchOrder.Recent"/>: messages with ids below this one.</summary>
    public long? BeforeId { get; init; }

    /// <summary>For <see cref="MessageSearchOrder.Relevance"/>: results after this one (its rank and id, as the store gave them).</summary>
    public (double Rank, long Id)? After { get; init; }

    /// <summary>Most results to return.</summary>
    public required int Limit { get; init; }
}

/// <summary>A message that matches, as the store found it.</summary>
/// <param name="MessageId">The message.</param>
/// <param name="ChatId">Its chat.</param>
/// <param name="SenderId">Its sender.</param>
/// <param name="SentAt">When it was sent.</param>
/// <param name="Text">Its text now.</param>
/// <param name="Rank">How well it matches, in the store's own scale (larger is better); 0 for <see cref="MessageSearchOrder.Recent"/>.</param>
public sealed record MessageSearchHit(long MessageId, long ChatId, long SenderId, DateTimeOffset SentAt, string Text, double Rank);

/// <summary>
/// Full-text search over messages (PostgreSQL <c>tsvector</c> with GIN, SQLite FTS5, or another
/// store's index). An optional store interface: the store keeps its index current in the same
/// transaction as each change (new messages, edits, deletions, erasure, retention), indexes text in
/// the form <see cref="ChatSearchText.Normalize"/> gives, and returns messages that are not deleted,
/// in chats the user belongs to, the membership filter inside the query.
/// </summary>
public interface ISearchIndex
{
    /// <summary>The matching messages in the query's order, at most its limit.</summary>
    Task<IReadOnlyList<MessageSearchHit>> SearchAsync(MessageSearchQuery query, CancellationToken cancellationToken);
}
