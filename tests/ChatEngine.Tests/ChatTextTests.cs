using Xunit;

namespace ChatEngine.Tests;

/// <summary>The text rules every transport and the reference host's account fields share.</summary>
public sealed class ChatTextTests
{
    [Theory]
    [InlineData("plain text", false)]
    [InlineData("lines\nand\r\ntabs\t", false)]
    [InlineData("emoji 😀 pairs", false)]
    [InlineData("nul \0", true)]
    [InlineData("bell \u0007", true)]
    [InlineData("escape \u001B[31m", true)]
    [InlineData("non-character \uFFFE", true)]
    [InlineData("non-character \uFFFF", true)]
    public void ForbiddenCharacters_AreTheContracts(string text, bool forbidden) =>
        Assert.Equal(forbidden, ChatText.HasForbiddenCharacters(text));

    [Fact]
    public void UnpairedSurrogates_AreForbidden()
    {
        // Made at run time: attribute arguments are stored as UTF-8, which cannot hold a lone surrogate.
        Assert.True(ChatText.HasForbiddenCharacters(new string(['a', '\uD83D', 'b'])));
        Assert.True(ChatText.HasForbiddenCharacters(new string(['a', '\uDE00', 'b'])));
        Assert.True(ChatText.HasForbiddenCharacters(new string(['a', '\uD83D'])));
        Assert.True(ChatText.HasForbiddenCharacters(new string(['\uDE00', '\uD83D'])));
        Assert.False(ChatText.HasForbiddenCharacters(new string(['a', '\uD83D', '\uDE00'])));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("   \t\n", true)]
    [InlineData("\u200B\u200C\u200D\u2060\uFEFF", true)]
    [InlineData("\u202E\u2066", true)]
    [InlineData("\u3164\u115F", true)]
    [InlineData("\u00A0\u2003", true)]
    [InlineData("a\u200B", false)]
    [InlineData("é", false)]
    public void Invisible_MeansNothingShows(string text, bool invisible) =>
        Assert.Equal(invisible, ChatText.IsInvisible(text));

    [Theory]
    [InlineData("Project Team", true)]
    [InlineData("Zoë & co", true)]
    [InlineData("admins\u202Egnp.exe", false)]
    [InlineData("\u2067isolate", false)]
    [InlineData("\u200B", false)]
    [InlineData("  ", false)]
    [InlineData("tab\u0007", false)]
    [InlineData(null, false)]
    public void AcceptableNames_ShowSomething_AndCannotSpoof(string? name, bool acceptable) =>
        Assert.Equal(acceptable, ChatText.IsAcceptableName(name));
}
