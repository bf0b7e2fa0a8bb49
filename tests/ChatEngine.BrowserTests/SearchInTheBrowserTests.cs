using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace ChatEngine.BrowserTests;

/// <summary>Message search in the app: results with their matches marked, a click opening the chat at the message.</summary>
public sealed class SearchInTheBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task ASearchResult_ShowsTheMatchMarked_AndOpensTheChatAtTheMessage()
    {
        var desktop = new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 800 } };
        var kim = await fixture.SignUpAsync("kim", desktop);
        var lee = await fixture.SignUpAsync("lee", desktop);
        await kim.GetByRole(AriaRole.Button, new() { Name = "New chat" }).ClickAsync();
        await kim.GetByLabel("Find people by username").FillAsync("lee");
        await kim.GetByRole(AriaRole.Button, new() { Name = "Chat with lee" }).ClickAsync();
        await kim.WaitForPageAsync("**/chat-web/*");
        var box = kim.GetByRole(AriaRole.Textbox, new() { Name = "Message" });
        foreach (var text in new[] { "The quarterly budget is ready for review", "Lunch?", "Also the slides", "See you at three" })
        {
            await box.FillAsync(text);
            await box.PressAsync("Enter");
            await Expect(kim.Locator("#ce-messages li.ce-msg[data-id]", new() { HasText = text })).ToBeVisibleAsync();
        }

        await Expect(lee.Locator("#ce-conversations li", new() { HasText = "kim" })).ToBeVisibleAsync();
        await lee.GetByRole(AriaRole.Button, new() { Name = "Search messages" }).ClickAsync();
        var dialog = lee.GetByRole(AriaRole.Dialog, new() { Name = "Search messages" });
        await dialog.GetByLabel("Words or \"a phrase\", in all your chats").FillAsync("budg");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        var hit = dialog.Locator(".ce-message-hit");
        await Expect(hit).ToHaveCountAsync(1);
        await Expect(hit.Locator("mark")).ToHaveTextAsync("budget");
        await Expect(hit).ToContainTextAsync("kim · kim");
        await lee.AssertAccessibleAsync("message search results, desktop");

        await hit.ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(lee.Locator(".ce-chat-title")).ToHaveTextAsync("kim");
        await Expect(lee.Locator("#ce-messages li.ce-msg", new() { HasText = "quarterly budget" })).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("ce-flash"));
    }
}
