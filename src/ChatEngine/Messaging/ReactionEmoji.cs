using System.Globalization;
using System.Text;

namespace ChatEngine;

/// <summary>What a reaction may be: one emoji (one grapheme cluster, ZWJ sequences and skin tones included) or a <c>:name:</c>.</summary>
internal static class ReactionEmoji
{
    private const int MaxNameLength = 32;

    // Far above any real grapheme cluster (the longest emoji ZWJ sequences are about a dozen UTF-16 units).
    private const int MaxLength = 64;

    /// <summary>The emoji as given, or the refusal (<see cref="ChatErrorCodes.InvalidEmoji"/>).</summary>
    public static string Validate(string? emoji, ChatReactionOptions options)
    {
        if (emoji is null || !IsWellFormed(emoji))
        {
            throw NotOne();
        }

        if (options.Allowed.Count > 0 && !options.Allowed.Contains(emoji, StringComparer.Ordinal))
        {
            throw ChatErrors.Validation(ChatErrorCodes.InvalidEmoji, "This app allows only these reactions: " + string.Join(" ", options.Allowed) + ".");
        }

        return emoji;
    }

    public static ChatException NotOne() =>
        ChatErrors.Validation(ChatErrorCodes.InvalidEmoji, "A reaction is one emoji, or a :name: of 1 to 32 characters a-z, 0-9, _, + or -.");

    public static bool IsWellFormed(string emoji)
    {
        if (emoji.Length is 0 or > MaxLength)
        {
            return false;
        }

        if (emoji.Length >= 3 && emoji[0] == ':' && emoji[^1] == ':')
        {
            var name = emoji.AsSpan(1, emoji.Length - 2);
            return name.Length <= MaxNameLength && !name.ContainsAnyExcept("abcdefghijklmnopqrstuvwxyz0123456789_+-");
        }

        // One grapheme, nothing invisible or unstorable, and not a plain letter, digit or sign (keycaps such as 1️⃣ are longer).
        if (ChatText.HasForbiddenCharacters(emoji) || new StringInfo(emoji).LengthInTextElements != 1 || (emoji.Length == 1 && char.IsAscii(emoji[0])))
        {
            return false;
        }

        foreach (var rune in emoji.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune) || Rune.IsControl(rune))
            {
                return false;
            }
        }

        return !ChatText.IsInvisible(emoji);
    }
}
