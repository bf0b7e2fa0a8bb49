using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace ChatEngine.BrowserTests;

/// <summary>The reference host's account page, reached from the chat's header: the password, the data download, and deleting the account.</summary>
public sealed class DataRightsInTheBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task FromTheChat_TheAccountPageChangesThePassword_DownloadsTheData_AndDeletesTheAccount()
    {
        var jon = await fixture.SignUpAsync("jon", new() { ViewportSize = new() { Width = 390, Height = 844 }, HasTouch = true, IsMobile = true, AcceptDownloads = true });
        await jon.GetByRole(AriaRole.Link, new() { Name = "Account" }).ClickAsync();
        await Expect(jon.GetByRole(AriaRole.Heading, new() { Name = "Your account" })).ToBeVisibleAsync();
        await jon.AssertAccessibleAsync("the account page, phone");

        // A wrong current password is refused in words; the right one changes it, and this browser stays signed in.
        await jon.GetByLabel("Current password").FillAsync("not it");
        await jon.GetByLabel("New password").FillAsync("Passw0rd!new");
        await jon.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Expect(jon.GetByRole(AriaRole.Alert)).ToHaveTextAsync("That is not your password.");
        await jon.GetByLabel("Current password").FillAsync("Passw0rd!");
        await jon.GetByLabel("New password").FillAsync("Passw0rd!new");
        await jon.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Expect(jon.GetByRole(AriaRole.Status)).ToContainTextAsync("Your password was changed.");
        await jon.AssertAccessibleAsync("the account page after a password change, phone");
        await jon.ShotAsync("account-phone");

        var download = await jon.RunAndWaitForDownloadAsync(() => jon.GetByRole(AriaRole.Link, new() { Name = "Download my data" }).ClickAsync());
        Assert.StartsWith("chat-export-", download.SuggestedFilename, StringComparison.Ordinal);
        var export = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync((await download.PathAsync())!))!;
        Assert.Equal("jon", (string?)export["user"]!["username"]);

        // A wrong confirmation is refused in words; the right one deletes, and signs out.
        await jon.GetByLabel("Password", new() { Exact = true }).FillAsync("Passw0rd!new");
        await jon.GetByLabel("Type your username (jon) to confirm").FillAsync("not me");
        await jon.GetByRole(AriaRole.Button, new() { Name = "Delete my account" }).ClickAsync();
        await Expect(jon.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Type your username to confirm that the account should be deleted.");
        await jon.GetByLabel("Password", new() { Exact = true }).FillAsync("Passw0rd!new");
        await jon.GetByLabel("Type your username (jon) to confirm").FillAsync("jon");
        await jon.GetByRole(AriaRole.Button, new() { Name = "Delete my account" }).ClickAsync();
        await Expect(jon.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Your account and your chat data were deleted.");
        await Expect(jon).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/user/login/"));
    }

    [Fact]
    public async Task SigningOutEverywhere_TellsTheOtherBrowserAtOnce()
    {
        var phone = await fixture.SignUpAsync("kim", new() { ViewportSize = new() { Width = 390, Height = 844 }, HasTouch = true, IsMobile = true });
        var laptop = await (await fixture.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } })).NewPageAsync();
        await laptop.GotoAsync($"{fixture.Host.BaseAddress.ToString().TrimEnd('/')}/user/login/");
        await laptop.GetByLabel("Username").FillAsync("kim");
        await laptop.GetByLabel("Password", new() { Exact = true }).FillAsync("Passw0rd!");
        await laptop.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await laptop.WaitForPageAsync("**/home/");
        await Expect(laptop.Locator("#ce-list-empty")).ToBeVisibleAsync(); // The list is read.

        await phone.GetByRole(AriaRole.Link, new() { Name = "Account" }).ClickAsync();
        await phone.GetByRole(AriaRole.Button, new() { Name = "Sign out everywhere" }).ClickAsync();

        await Expect(phone).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/user/login/"));
        await Expect(laptop.Locator("#ce-status")).ToHaveTextAsync("You are signed out. Sign in again to keep chatting.");
    }

}
