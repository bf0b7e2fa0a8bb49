using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace ChatEngine.BrowserTests;

/// <summary>The reference host's account page: the data download, and deleting the account, reached from the chat's header.</summary>
public sealed class DataRightsInTheBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task FromTheChat_TheAccountPageDownloadsTheData_AndDeletesTheAccount()
    {
        var jon = await fixture.SignUpAsync("jon", new() { ViewportSize = new() { Width = 390, Height = 844 }, HasTouch = true, IsMobile = true, AcceptDownloads = true });
        await jon.GetByRole(AriaRole.Link, new() { Name = "Account" }).ClickAsync();
        await Expect(jon.GetByRole(AriaRole.Heading, new() { Name = "Your account" })).ToBeVisibleAsync();
        await jon.AssertAccessibleAsync("the account page, phone");

        var download = await jon.RunAndWaitForDownloadAsync(() => jon.GetByRole(AriaRole.Link, new() { Name = "Download my data" }).ClickAsync());
        Assert.StartsWith("chat-export-", download.SuggestedFilename, StringComparison.Ordinal);
        var export = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync((await download.PathAsync())!))!;
        Assert.Equal("jon", (string?)export["user"]!["username"]);

        // A wrong confirmation is refused in words; the right one deletes, and signs out.
        await jon.GetByLabel("Password").FillAsync("Passw0rd!");
        await jon.GetByLabel("Type your username (jon) to confirm").FillAsync("not me");
        await jon.GetByRole(AriaRole.Button, new() { Name = "Delete my account" }).ClickAsync();
        await Expect(jon.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Type your username to confirm that the account should be deleted.");
        await jon.GetByLabel("Password").FillAsync("Passw0rd!");
        await jon.GetByLabel("Type your username (jon) to confirm").FillAsync("jon");
        await jon.GetByRole(AriaRole.Button, new() { Name = "Delete my account" }).ClickAsync();
        await Expect(jon.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Your account and your chat data were deleted.");
        await Expect(jon).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/user/login/"));
    }
}
