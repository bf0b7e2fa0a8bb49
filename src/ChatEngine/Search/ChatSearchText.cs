using System.Buffers;
using System.Globalization;
using System.Text;

namespace ChatEngine;

/// <summary>
/// The one form in which message text is indexed and searched (contract v2, section 6), so every
/// store matches the same way: lower case, accents and other marks removed (compatibility forms
/// folded too, as full-width letters), everything but letters and digits a space, and each
/// character of a script written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Myanmar) a word
/// of its own, so a search in those scripts matches as a substring (a phrase of characters).
/// </summary>
public static class ChatSearchText
{
    /// <summary>The text as indexed: words of letters and digits, separated by single spaces.</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var folded = text.Normalize(NormalizationForm.FormKD);

        // Each UTF-16 unit becomes at most a space and two units (a letter whose lower case lies
        // outside the basic plane): written into one pooled buffer and copied once into the string,
        // rather than a string per character into a builder (once the largest garbage of a send).
        var buffer = ArrayPool<char>.Shared.Rent(folded.Length * 3);
        var output = buffer.AsSpan();
        var length = 0;
        var pendingSpace = false;
        foreach (var rune in folded.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.Format)
            {
                continue; // Accents, vowel signs, joiners: matched without them.
            }

            if (!Rune.IsLetterOrDigit(rune))
            {
                pendingSpace = length > 0;
                continue;
            }

            var spaceless = IsWrittenWithoutSpaces(rune);
            if ((pendingSpace || spaceless) && length > 0 && output[length - 1] != ' ')
            {
                output[length++] = ' ';
            }

            length += Rune.ToLowerInvariant(rune).EncodeToUtf16(output[length..]);
            pendingSpace = spaceless;
        }

        var normalized = new string(output[..length]);
        ArrayPool<char>.Shared.Return(buffer);
        return normalized;
    }

    /// <summary>The words of normalized text.</summary>
    public static string[] Words(string normalized) => normalized.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Whether the character belongs to a script written without spaces between words.</summary>
    public static bool IsWrittenWithoutSpaces(Rune rune) => rune.Value is
        >= 0x3040 and <= 0x30FF      // Hiragana, Katakana
        or >= 0x31F0 and <= 0x31FF   // Katakana phonetic extensions
        or >= 0x3400 and <= 0x4DBF   // CJK extension A
        or >= 0x4E00 and <= 0x9FFF   // CJK unified ideographs
        or >= 0xF900 and <= 0xFAFF   // CJK compatibility ideographs
        or >= 0x20000 and <= 0x3134F // CJK extensions B-G
        or >= 0x0E00 and <= 0x0EFF   // Thai, Lao
        or >= 0x1000 and <= 0x109F   // Myanmar
        or >= 0x1780 and <= 0x17FF;  // Khmer
}
