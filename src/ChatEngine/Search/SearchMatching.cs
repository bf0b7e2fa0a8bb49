namespace ChatEngine;

/// <summary>How a term matches normalized words: a word equal (the last also as a prefix, when the term says so), a phrase in order.</summary>
internal static class SearchMatching
{
    /// <summary>How many times <paramref name="term"/> occurs in <paramref name="words"/>.</summary>
    public static int Occurrences(IReadOnlyList<string> words, MessageSearchTerm term)
    {
        var count = 0;
        for (var i = 0; i + term.Words.Count <= words.Count; i++)
        {
            if (MatchesAt(words, i, term))
            {
                count++;
            }
        }

        return count;
    }

    public static bool MatchesAt(IReadOnlyList<string> words, int at, MessageSearchTerm term)
    {
        for (var j = 0; j < term.Words.Count; j++)
        {
            var word = words[at + j];
            var wanted = term.Words[j];
            var matches = j == term.Words.Count - 1 && term.Prefix ? word.StartsWith(wanted, StringComparison.Ordinal) : word == wanted;
            if (!matches)
            {
                return false;
            }
        }

        return true;
    }
}
