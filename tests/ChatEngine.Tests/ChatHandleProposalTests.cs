using Xunit;

namespace ChatEngine.Tests;

/// <summary>The handle proposed for a user name: never the address, always something usable.</summary>
public sealed class ChatHandleProposalTests
{
    [Theory]
    [InlineData("ann@example.com", "ann")]
    [InlineData("Ann.Lee+news@Example.com", "ann.leenews")]
    [InlineData("bob", "bob")]
    [InlineData("__élan__@example.com", "lan")]
    [InlineData("@example.com", "user")]
    [InlineData("!!!", "user")]
    [InlineData("", "user")]
    [InlineData(null, "user")]
    public void AHandle_IsTheLocalPart_InLowerCase_OfSafeCharacters(string? userName, string handle) =>
        Assert.Equal(handle, ChatHandleDirectory.Propose(userName));

    [Fact]
    public void ALongName_IsCut()
    {
        Assert.Equal(ChatHandleDirectory.MaxHandleLength, ChatHandleDirectory.Propose(new string('a', 100) + "@example.com").Length);
    }
}
