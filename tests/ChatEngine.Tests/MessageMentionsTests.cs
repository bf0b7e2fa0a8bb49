using Xunit;

namespace ChatEngine.Tests;

/// <summary>Who a text mentions, by the contract's rule (v2, section 5).</summary>
public sealed class MessageMentionsTests
{
    private static readonly ChatUser Bob = new(2, "bob"), Bobby = new(3, "Bobby"), Carol = new(4, "carol.smith"), Mail = new(5, "dan@example.com");

    [Theory]
    [InlineData("@bob hello", new long[] { 2 })]
    [InlineData("hi @bob, and (@carol.smith)!", new long[] { 2, 4 })]
    [InlineData("@BOBBY wins over bob: the longest name", new long[] { 3 })]
    [InlineData("@bobx mentions bob: nothing is required after the name", new long[] { 2 })]
    [InlineData("mail bob@example.com or x_@bob: not after a letter, digit or _", new long[0])]
    [InlineData("@carol.smith @bob @carol.smith: in order, once each", new long[] { 4, 2 })]
    [InlineData("@dan@example.com can be mentioned", new long[] { 5 })]
    [InlineData("@ nobody, @alice is not a member", new long[0])]
    [InlineData("no at sign at all", new long[0])]
    public void MentionsTheLongestMemberNameAfterEachAt(string text, long[] expected) =>
        Assert.Equal(expected, MessageMentions.Parse(text, [Bob, Bobby, Carol, Mail], max: 50));

    [Fact]
    public void KeepsAtMostTheLimit()
    {
        Assert.Equal([2, 3], MessageMentions.Parse("@bob @bobby @carol.smith", [Bob, Bobby, Carol], max: 2));
    }
}
