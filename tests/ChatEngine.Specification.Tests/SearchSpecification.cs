using Xunit;

namespace ChatEngine.Specification.Tests;

public abstract partial class ChatEngineSpecificationTests
{
    [Fact]
    public async Task SearchUsers_MatchesSubstringIgnoringCase_AndExcludesTheCaller()
    {
        var found = await Chats.SearchUsersAsync(Alice, "AL");
        Assert.Empty(found);

        var bobs = await Chats.SearchUsersAsync(Alice, "BO");
        Assert.Equal(["bob"], bobs.Select(u => u.User.UserName));

        var containing = await Chats.SearchUsersAsync(Alice, "aRo");
        Assert.Equal(["carol"], containing.Select(u => u.User.UserName));

        var self = await Chats.SearchUsersAsync(Bob, "bo");
        Assert.Empty(self);
    }

    [Fact]
    public async Task SearchUsers_ReturnsAtMostTheLimit()
    {
        var found = await Chats.SearchUsersAsync(Alice, "searchable");
        Assert.Equal(20, found.Count);
        Assert.Equal("searchable01", found[0].User.UserName);
    }

    [Fact]
    public async Task SearchUsers_IncludesPresence()
    {
        await Presence.ConnectedAsync(Bob);
        var bob = Assert.Single(await Chats.SearchUsersAsync(Alice, "bob"));
        Assert.True(bob.IsOnline);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task SearchUsers_WithoutTerm_IsRefused(string? term) =>
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.SearchTermRequired, () => Chats.SearchUsersAsync(Alice, term));
}
