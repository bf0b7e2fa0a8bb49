namespace ChatEngine.InMemory;

/// <summary>Message search by scanning (<see cref="ISearchIndex"/>): for tests and demos, where the messages fit in memory anyway.</summary>
public sealed partial class InMemoryChatStore : ISearchIndex
{
    /// <inheritdoc />
    public Task<IReadOnlyList<MessageSearchHit>> SearchAsync(MessageSearchQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_lock)
        {
            var hits = new List<MessageSearchHit>();
            foreach (var (chatId, members) in _members)
            {
                if ((query.ChatId is { } only && only != chatId) || !members.Exists(m => m.UserId == query.UserId))
                {
                    continue;
                }

                foreach (var message in _messages.GetValueOrDefault(chatId) ?? [])
                {
                    if (message.IsDeleted || (query.SenderId is { } sender && message.SenderId != sender) || (query.BeforeId is { } before && message.Id >= before))
                    {
                        continue;
                    }

                    var words = ChatSearchText.Words(ChatSearchText.Normalize(message.Text));
                    var counts = query.Terms.Select(t => SearchMatching.Occurrences(words, t)).ToArray();
                    if (counts.All(c => c > 0))
                    {
                        hits.Add(new MessageSearchHit(message.Id, chatId, message.SenderId, message.SentAt, message.Text,
                            query.Order == MessageSearchOrder.Relevance ? counts.Sum() / (double)words.Length : 0));
                    }
                }
            }

            IEnumerable<MessageSearchHit> ordered = query.Order == MessageSearchOrder.Relevance
                ? hits.OrderByDescending(h => h.MessageId).Take(MessageSearch.RelevanceWindow).Where(h => query.After is not { } after || h.Rank < after.Rank || (h.Rank == after.Rank && h.MessageId < after.Id))
                    .OrderByDescending(h => h.Rank).ThenByDescending(h => h.MessageId)
                : hits.OrderByDescending(h => h.MessageId);
            IReadOnlyList<MessageSearchHit> page = ordered.Take(query.Limit).ToArray();
            return Task.FromResult(page);
        }
    }
}
