using System.Text;

namespace ChatEngine.Benchmarks;

/// <summary>
/// Made-up words drawn by Zipf's law over a vocabulary of 5,000, as words in chats are: the text of
/// benchmarks whose cost depends on which words a message holds (searching, indexing).
/// </summary>
internal static class ChatWords
{
    public const int Vocabulary = 5000;

    /// <summary>The vocabulary, commonest first.</summary>
    public static string[] Words { get; } = Enumerable.Range(0, Vocabulary).Select(Word).ToArray();

    /// <summary>8 to 15 words, each drawn by Zipf's law (rank r with weight 1/r).</summary>
    public static string Sentence(Random random)
    {
        var count = random.Next(8, 16);
        var words = new string[count];
        for (var i = 0; i < count; i++)
        {
            // Inverse of the Zipf CDF, approximately: rank = V^u.
            var rank = (int)Math.Pow(Vocabulary, random.NextDouble()) - 1;
            words[i] = Words[Math.Clamp(rank, 0, Vocabulary - 1)];
        }

        return string.Join(' ', words);
    }

    /// <summary>A pronounceable made-up word per rank: "ka", "mori", "tesuna"…</summary>
    private static string Word(int rank)
    {
        const string consonants = "kmstnrpldgbhvz";
        const string vowels = "aeiou";
        var word = new StringBuilder();
        var n = rank + 14;
        do
        {
            word.Append(consonants[n % consonants.Length]).Append(vowels[(n / consonants.Length) % vowels.Length]);
            n /= consonants.Length * vowels.Length;
        }
        while (n > 0);

        return word.Append(rank % 7 == 0 ? "n" : "").ToString();
    }
}
