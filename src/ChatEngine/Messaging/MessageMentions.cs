namespace ChatEngine;

/// <summary>
/// Finds who a message mentions (contract v2, section 5): an <c>@</c> at the start of the text, or after
/// a character that is not a letter, digit or <c>_</c>, mentions the longest user name that follows it
/// (case-insensitive) among the chat's members other than the sender. The text is never rewritten.
/// </summary>
public static class MessageMentions
{
    /// <summary>Whether the text could mention anyone: without an <c>@</c> no member needs to be read.</summary>
    public static bool MayMention(string text) => text.Contains('@', StringComparison.Ordinal);

    /// <summary>The ids of the members the text mentions, in order of first appearance, without repeats, at most <paramref name="max"/>.</summary>
    /// <param name="text">The message's text.</param>
    /// <param name="members">Who may be mentioned: the chat's members other than the sender.</param>
    /// <param name="max">The most ids kept (<see cref="ChatMessageOptions.MaxMentions"/>).</param>
    public static IReadOnlyList<long> Parse(string text, IEnumerable<ChatUser> members, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(members);
        if (!MayMention(text))
        {
            return [];
        }

        // Longest names first, so "@bobby" mentions bobby and not bob.
        var names = members.Where(m => m.UserName.Length > 0).OrderByDescending(m => m.UserName.Length).ToArray();
        var found = new List<long>();
        for (var at = text.IndexOf('@', StringComparison.Ordinal); at >= 0 && found.Count < max; at = text.IndexOf('@', at + 1))
        {
            if (at > 0 && IsNameCharacter(text[at - 1]))
            {
                continue;
            }

            var member = Named(names, text.AsSpan(at + 1));
            if (member is not null && !found.Contains(member.Id))
            {
                found.Add(member.Id);
            }
        }

        return found;
    }

    private static ChatUser? Named(ChatUser[] longestFirst, ReadOnlySpan<char> rest)
    {
        foreach (var member in longestFirst)
        {
            if (rest.StartsWith(member.UserName, StringComparison.OrdinalIgnoreCase))
            {
                return member;
            }
        }

        return null;
    }

    private static bool IsNameCharacter(char c) => char.IsLetterOrDigit(c) || c == '_';
}
