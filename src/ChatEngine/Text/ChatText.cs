using System.Globalization;
using System.Text;

namespace ChatEngine;

/// <summary>
/// What text ChatEngine accepts, in one place for every transport and for hosts that validate their
/// own fields (user names, display names) the same way. Control characters are refused because
/// databases and clients choke on them (PostgreSQL cannot store U+0000 at all); bidi controls and
/// invisible-only values are refused in names because they let one name pass for another.
/// </summary>
public static class ChatText
{
    /// <summary>
    /// Whether <paramref name="text"/> holds a character no stored text may hold: a C0 control other
    /// than tab, line feed and carriage return, the noncharacters U+FFFE and U+FFFF, or a surrogate
    /// without its pair (the contract's <c>invalid_text</c>).
    /// </summary>
    public static bool HasForbiddenCharacters(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < ' ' ? c is not ('\t' or '\n' or '\r') : c is '\uFFFE' or '\uFFFF')
            {
                return true;
            }

            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                    continue;
                }

                return true;
            }

            if (char.IsLowSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether <paramref name="text"/> holds a bidirectional embedding, override or isolate control
    /// (U+202A to U+202E, U+2066 to U+2069), which can make a name read as another.
    /// </summary>
    public static bool HasBidiControls(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069')
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether <paramref name="text"/> shows nothing: it is empty or only white space, format
    /// characters (zero-width spaces and joiners, bidi marks), fillers and variation selectors.
    /// </summary>
    public static bool IsInvisible(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var runes = text.EnumerateRunes();
        foreach (var rune in runes)
        {
            if (!IsInvisible(rune))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether <paramref name="name"/> may name something people choose between (a user, a group):
    /// not blank, not invisible, no control characters and no bidi controls.
    /// </summary>
    public static bool IsAcceptableName(string? name) =>
        name is not null && !HasForbiddenCharacters(name) && !HasBidiControls(name) && !IsInvisible(name);

    /// <summary>
    /// Whether a value a caller looks something up by (a user name, a join code) can match anything:
    /// no longer than <paramref name="maxLength"/> and storable. Others match nothing and are never
    /// sent to a store, whose column or encoding might reject them with an error instead.
    /// </summary>
    internal static bool CanMatch(string value, int maxLength) =>
        value.Length <= maxLength && !HasForbiddenCharacters(value);

    /// <summary>
    /// An optional free text (a report's note, a ban's reason) by the send rules: trimmed, at most
    /// <paramref name="maxLength"/> characters, no forbidden characters. Blank is <see langword="null"/>.
    /// </summary>
    internal static string? ValidateOptional(string? text, int maxLength, string what)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        if (trimmed.Length > maxLength)
        {
            throw ChatErrors.Validation(ChatErrorCodes.TextTooLong, $"{what} must be at most {maxLength} characters.");
        }

        return HasForbiddenCharacters(trimmed) ? throw ChatErrors.InvalidText(what) : trimmed;
    }

    private static bool IsInvisible(Rune rune)
    {
        if (Rune.IsWhiteSpace(rune) || Rune.IsControl(rune))
        {
            return true;
        }

        switch (Rune.GetUnicodeCategory(rune))
        {
            case UnicodeCategory.Format:          // zero-width space and joiners, bidi marks, BOM, tags
            case UnicodeCategory.NonSpacingMark when rune.Value is 0x034F or >= 0xFE00 and <= 0xFE0F or >= 0xE0100 and <= 0xE01EF:
                return true;
        }

        // Hangul fillers and the braille blank render as nothing in most fonts.
        return rune.Value is 0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x2800 or 0x180E;
    }
}
