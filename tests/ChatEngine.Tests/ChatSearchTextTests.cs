using Xunit;

namespace ChatEngine.Tests;

/// <summary>The one form in which message text is indexed and searched (contract v2, section 6).</summary>
public sealed class ChatSearchTextTests
{
    [Theory]
    [InlineData("Hello, World!", "hello world")]
    [InlineData("  Crème   Brûlée ", "creme brulee")]
    [InlineData("ＦＵＬＬ－ｗｉｄｔｈ １２３", "full width 123")]
    [InlineData("ÀÉÎÕÜ ÇA", "aeiou ca")]
    [InlineData("don't-stop_now", "don t stop now")]
    [InlineData("東京タワーへ", "東 京 タ ワ ー へ")]
    [InlineData("hi 東京 there", "hi 東 京 there")]
    [InlineData("ภาษาไทย", "ภ า ษ า ไ ท ย")]
    [InlineData("...", "")]
    [InlineData("", "")]
    public void Normalize_FoldsCaseMarksAndSeparators(string text, string indexed) =>
        Assert.Equal(indexed, ChatSearchText.Normalize(text));

    [Fact]
    public void Normalize_KeepsCharactersOutsideTheBasicPlane()
    {
        // Two UTF-16 units each: Deseret capitals fold to their lower case, a CJK extension B character is a word.
        Assert.Equal("\U00010428\U00010429", ChatSearchText.Normalize("\U00010400\U00010401"));
        Assert.Equal("a \U00020000 b", ChatSearchText.Normalize("a\U00020000b"));
        Assert.Equal("emoji", ChatSearchText.Normalize("😀 emoji 😀"));
    }

    [Fact]
    public void Normalize_LongTexts_AsShortOnes()
    {
        // Kanji at their longest once normalized (a word per character), and words long enough for a larger buffer.
        var kanji = string.Concat(Enumerable.Repeat("東京", 1000));
        Assert.Equal(string.Join(' ', kanji.Select(c => c.ToString())), ChatSearchText.Normalize(kanji));
        var words = string.Join(", ", Enumerable.Repeat("Ärger", 500));
        Assert.Equal(string.Join(' ', Enumerable.Repeat("arger", 500)), ChatSearchText.Normalize(words));
    }

    [Fact]
    public void Words_SplitsTheNormalizedText() =>
        Assert.Equal(["creme", "brulee"], ChatSearchText.Words(ChatSearchText.Normalize("Crème Brûlée")));
}
