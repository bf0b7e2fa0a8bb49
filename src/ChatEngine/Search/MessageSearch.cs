using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;

namespace ChatEngine;

/// <summary>
/// Message search over the caller's chats (contract v2, section 6): the query's rules, the chat and
/// sender filters, paging, and the snippet with its highlights; the matching is the store's
/// (<see cref="ISearchIndex"/>).
/// </summary>
public sealed class MessageSearch
{
    /// <summary>Longest query.</summary>
    public const int MaxQueryLength = 200;

    /// <summary>
    /// How many of the newest matches a search by relevance ranks. Chats are read for what is recent;
    /// ranking every message with a common word would cost as much as there are.
    /// </summary>
    public const int RelevanceWindow = 1000;

    /// <summary>Longest snippet, in UTF-16 code units, its ellipses included.</summary>
    public const int SnippetLength = 200;

    // Characters of context a snippet shows before its first match.
    private const int LeadIn = 60;

    private readonly ISearchIndex? _index;
    private readonly IChatStore _chats;
    private readonly IChatUserDirectory _users;
    private readonly ChatAccess _access;
    private readonly ChatEngineOptions _options;

    internal MessageSearch(ISearchIndex? index, IChatStore chats, IChatUserDirectory users, ChatAccess access, IOptions<ChatEngineOptions> options)
    {
        _index = index;
        _chats = chats;
        _users = users;
        _access = access;
        _options = options.Value;
    }

    /// <summary>Searches the messages of the caller's chats.</summary>
    public async Task<MessageSearchPage> SearchAsync(long userId, MessageSearchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var index = _index ?? throw new NotSupportedException("No ISearchIndex is registered, so messages cannot be searched.");
        var terms = ParseQuery(request.Query);
        var limit = request.Limit ?? 20;
        if (limit < 1 || limit > _options.Search.MaxResults)
        {
            throw ChatErrors.Validation(ChatErrorCodes.InvalidPaging, $"limit must be between 1 and {_options.Search.MaxResults}.");
        }

        if (request.ChatId is { } chatId)
        {
            await _access.RequireMemberAsync(userId, chatId, cancellationToken).ConfigureAwait(false);
        }

        long? senderId = null;
        if (!string.IsNullOrWhiteSpace(request.FromUserName))
        {
            var sender = await _access.FindUserByNameAsync(request.FromUserName, _options.MaxUserNameLength, cancellationToken).ConfigureAwait(false);
            if (sender is null)
            {
                return new MessageSearchPage([], HasMore: false, Next: null); // Nobody by that name wrote anything.
            }

            senderId = sender.Id;
        }

        var hits = await index.SearchAsync(
            new MessageSearchQuery
            {
                UserId = userId, Terms = terms, ChatId = request.ChatId, SenderId = senderId, Order = request.Order, Limit = limit + 1,
                BeforeId = request.Order == MessageSearchOrder.Recent ? request.BeforeId : null,
                After = request.Order == MessageSearchOrder.Relevance && request.Cursor is { } cursor ? ParseCursor(cursor) : null,
            },
            cancellationToken).ConfigureAwait(false);
        var hasMore = hits.Count > limit;
        var page = hasMore ? hits.Take(limit).ToArray() : hits.ToArray();
        var results = await ResultsAsync(userId, page, terms, cancellationToken).ConfigureAwait(false);
        var next = !hasMore || page.Length == 0 ? null
            : request.Order == MessageSearchOrder.Recent ? page[^1].MessageId.ToString(CultureInfo.InvariantCulture)
            : FormatCursor(page[^1].Rank, page[^1].MessageId);
        return new MessageSearchPage(results, hasMore, next);
    }

    /// <summary>
    /// The terms of a query: its words (the last, unquoted one also a prefix) and its <c>"quoted
    /// phrases"</c>; a word in a script written without spaces is a phrase of its characters. Throws
    /// <see cref="ChatErrorCodes.SearchTermRequired"/> or <see cref="ChatErrorCodes.InvalidQuery"/>.
    /// </summary>
    public static IReadOnlyList<MessageSearchTerm> ParseQuery(string? query)
    {
        var text = query?.Trim() ?? string.Empty;
        if (text.Length == 0)
        {
            throw ChatErrors.Validation(ChatErrorCodes.SearchTermRequired, "Search term is required.");
        }

        if (text.Length > MaxQueryLength || ChatText.HasForbiddenCharacters(text))
        {
            throw ChatErrors.Validation(ChatErrorCodes.InvalidQuery, $"A search is 1 to {MaxQueryLength} characters of text.");
        }

        var pieces = new List<(string Text, bool Quoted)>();
        var parts = text.Split('"');
        for (var i = 0; i < parts.Length; i++)
        {
            // Odd parts were between quotes (an unclosed quote runs to the end).
            if (i % 2 == 1)
            {
                pieces.Add((parts[i], true));
            }
            else
            {
                pieces.AddRange(parts[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(w => (w, false)));
            }
        }

        var terms = new List<MessageSearchTerm>();
        var longEnough = false;
        for (var i = 0; i < pieces.Count; i++)
        {
            var words = ChatSearchText.Words(ChatSearchText.Normalize(pieces[i].Text));
            if (words.Length == 0)
            {
                continue;
            }

            longEnough |= words.Sum(w => w.Length) >= 2;
            var last = i == pieces.Count - 1;
            var prefix = last && !pieces[i].Quoted && !ChatSearchText.IsWrittenWithoutSpaces(Rune.GetRuneAt(words[^1], 0));
            terms.Add(new MessageSearchTerm(words, prefix));
        }

        if (!longEnough)
        {
            throw ChatErrors.Validation(ChatErrorCodes.InvalidQuery, "A search needs a word of at least 2 characters.");
        }

        return terms;
    }

    /// <summary>
    /// The snippet of <paramref name="text"/> around its first match: plain text of at most
    /// <see cref="SnippetLength"/> characters, with … where cut, and the [start, end) UTF-16 offsets of
    /// every match inside it.
    /// </summary>
    public static (string Snippet, IReadOnlyList<MessageSearchHighlight> Highlights) Snippet(string text, IReadOnlyList<MessageSearchTerm> terms)
    {
        var matches = Matches(text, terms);
        var first = matches.Count > 0 ? matches.Min(m => m.Start) : 0;
        var start = text.Length <= SnippetLength ? 0 : Math.Clamp(first - LeadIn, 0, text.Length - (SnippetLength - 1));
        var cutBefore = start > 0;
        var room = SnippetLength - (cutBefore ? 1 : 0);
        var end = Math.Min(text.Length, start + room);
        var cutAfter = end < text.Length;
        if (cutAfter)
        {
            end--; // Room for the … after.
        }

        // Never split a surrogate pair.
        if (start > 0 && char.IsLowSurrogate(text[start]))
        {
            start++;
        }

        if (end < text.Length && end > start && char.IsHighSurrogate(text[end - 1]))
        {
            end--;
        }

        var body = text[start..end].Replace('\r', ' ').Replace('\n', ' ').Replace('\t', ' ');
        var offset = cutBefore ? 1 - start : -start;
        var highlights = matches
            .Where(m => m.Start >= start && m.End <= end)
            .Select(m => new MessageSearchHighlight(m.Start + offset, m.End + offset))
            .OrderBy(h => h.Start)
            .ToArray();
        return ((cutBefore ? "…" : "") + body + (cutAfter ? "…" : ""), highlights);
    }

    private static List<(int Start, int End)> Matches(string text, IReadOnlyList<MessageSearchTerm> terms)
    {
        var spans = WordSpans(text);
        var words = spans.ConvertAll(s => s.Word);
        var matches = new List<(int, int)>();
        foreach (var term in terms)
        {
            for (var i = 0; i + term.Words.Count <= words.Count; i++)
            {
                if (SearchMatching.MatchesAt(words, i, term))
                {
                    matches.Add((spans[i].Start, spans[i + term.Words.Count - 1].End));
                }
            }
        }

        return matches;
    }

    /// <summary>The words of the original text with their places, as <see cref="ChatSearchText.Normalize"/> cuts them.</summary>
    private static List<(int Start, int End, string Word)> WordSpans(string text)
    {
        var spans = new List<(int, int, string)>();
        var start = -1;
        void Close(int end)
        {
            if (start >= 0)
            {
                foreach (var word in ChatSearchText.Words(ChatSearchText.Normalize(text[start..end])))
                {
                    spans.Add((start, end, word));
                }

                start = -1;
            }
        }

        for (var i = 0; i < text.Length;)
        {
            var rune = Rune.GetRuneAt(text, i);
            var category = Rune.GetUnicodeCategory(rune);
            var isMark = category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.Format;
            if (Rune.IsLetterOrDigit(rune) && ChatSearchText.IsWrittenWithoutSpaces(rune))
            {
                Close(i);
                start = i;
                // A character of such a script is a word of its own, with the marks that follow it.
                var end = i + rune.Utf16SequenceLength;
                while (end < text.Length && Rune.GetUnicodeCategory(Rune.GetRuneAt(text, end)) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)
                {
                    end += Rune.GetRuneAt(text, end).Utf16SequenceLength;
                }

                Close(end);
                i = end;
                continue;
            }

            if (Rune.IsLetterOrDigit(rune) || (isMark && start >= 0))
            {
                start = start < 0 ? i : start;
            }
            else
            {
                Close(i);
            }

            i += rune.Utf16SequenceLength;
        }

        Close(text.Length);
        return spans;
    }

    private async Task<IReadOnlyList<MessageSearchResult>> ResultsAsync(long userId, IReadOnlyList<MessageSearchHit> hits, IReadOnlyList<MessageSearchTerm> terms, CancellationToken cancellationToken)
    {
        if (hits.Count == 0)
        {
            return [];
        }

        var chats = new Dictionary<long, Chat>();
        foreach (var chatId in hits.Select(h => h.ChatId).Distinct())
        {
            if (await _chats.FindByIdAsync(chatId, cancellationToken).ConfigureAwait(false) is { } chat)
            {
                chats[chatId] = chat;
            }
        }

        var userIds = hits.Select(h => h.SenderId).Concat(chats.Values.Where(c => c.Pair is not null).Select(c => c.Pair!.Value.OtherThan(userId))).Distinct().ToArray();
        var users = await _users.GetByIdsAsync(userIds, cancellationToken).ConfigureAwait(false);
        ChatUser UserOf(long id) => users.GetValueOrDefault(id) ?? ChatAccess.UnknownUser(id);
        return hits.Where(h => chats.ContainsKey(h.ChatId)).Select(h =>
        {
            var chat = chats[h.ChatId];
            var (snippet, highlights) = Snippet(h.Text, terms);
            var name = chat.Kind == ChatKind.Group ? chat.Name ?? string.Empty : UserOf(chat.Pair!.Value.OtherThan(userId)).UserName;
            return new MessageSearchResult(h, chat, name, UserOf(h.SenderId), snippet, highlights);
        }).ToArray();
    }

    private static string FormatCursor(double rank, long id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{rank:R}:{id}"))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (double Rank, long Id) ParseCursor(string cursor)
    {
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split(':');
            if (parts.Length == 2 && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var rank) && double.IsFinite(rank)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return (rank, id);
            }
        }
        catch (FormatException)
        {
        }

        throw ChatErrors.Validation(ChatErrorCodes.InvalidCursor, "The search cursor is not one this server gave.");
    }
}

/// <summary>What to search for, and where.</summary>
/// <param name="Query">The words and <c>"phrases"</c>, 1 to 200 characters.</param>
public sealed record MessageSearchRequest(string? Query)
{
    /// <summary>One chat of the caller's only.</summary>
    public long? ChatId { get; init; }

    /// <summary>One sender only, by user name.</summary>
    public string? FromUserName { get; init; }

    /// <summary>The order (newest first by default).</summary>
    public MessageSearchOrder Order { get; init; }

    /// <summary>For <see cref="MessageSearchOrder.Recent"/>: results before this message id (the previous page's <see cref="MessageSearchPage.Next"/>).</summary>
    public long? BeforeId { get; init; }

    /// <summary>For <see cref="MessageSearchOrder.Relevance"/>: the previous page's <see cref="MessageSearchPage.Next"/>.</summary>
    public string? Cursor { get; init; }

    /// <summary>Results per page: 20 by default, at most <see cref="ChatSearchOptions.MaxResults"/>.</summary>
    public int? Limit { get; init; }
}

/// <summary>A page of search results.</summary>
/// <param name="Results">The results, in order.</param>
/// <param name="HasMore">Whether more follow.</param>
/// <param name="Next">Where the next page starts: a message id (recent order) or a cursor (relevance).</param>
public sealed record MessageSearchPage(IReadOnlyList<MessageSearchResult> Results, bool HasMore, string? Next);

/// <summary>One result: the message, its chat, and the snippet to show.</summary>
/// <param name="Hit">The message as found.</param>
/// <param name="Chat">Its chat.</param>
/// <param name="ChatName">The group's name, or the other user's for a private chat.</param>
/// <param name="Sender">Its sender.</param>
/// <param name="Snippet">Plain text around the first match, … where cut.</param>
/// <param name="Highlights">The matches in the snippet.</param>
public sealed record MessageSearchResult(MessageSearchHit Hit, Chat Chat, string ChatName, ChatUser Sender, string Snippet, IReadOnlyList<MessageSearchHighlight> Highlights);

/// <summary>A match inside a snippet: [<paramref name="Start"/>, <paramref name="End"/>) in UTF-16 code units.</summary>
public readonly record struct MessageSearchHighlight(int Start, int End);
