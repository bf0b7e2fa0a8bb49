using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace ChatEngine.BrowserTests;

/// <summary>
/// Message search in the app: results with their matches marked, a click opening the chat at the
/// message, and one older than the newest page shown with the page around it.
/// </summary>
public sealed class SearchInTheBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task ASearchResult_ShowsTheMatchMarked_AndOpensTheChatAtTheMessage()
    {
        var (kim, lee) = await TwoPeopleInAPrivateChatAsync("kim", "lee");
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

        await lee.RecordJumpsAsync();
        await hit.ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(lee.Locator(".ce-chat-title")).ToHaveTextAsync("kim");
        await lee.ExpectJumpedToAsync(lee.Locator("#ce-messages li.ce-msg", new() { HasText = "quarterly budget" }));
    }

    [Fact]
    public async Task AHitOlderThanTheNewestPage_OpensThePageAroundIt_AndTheListReadsOnToTheLatest()
    {
        var (ann, bob) = await TwoPeopleInAPrivateChatAsync("ann", "bob");
        var chatId = long.Parse(ann.Url.TrimEnd('/').Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
        // The hit, then a page and a half after it (more than the newest page of 50 holds).
        Assert.Equal(81, await ann.EvaluateAsync<int>("""
            async chatId => {
                const socket = new WebSocket(`ws://${location.host}/ws/chat/${chatId}/`);
                await new Promise(resolve => socket.onopen = resolve);
                let echoed = 0;
                for (let i = 0; i <= 80; i++) {
                    const echo = new Promise(resolve => socket.onmessage = e => JSON.parse(e.data).type === "message" && resolve());
                    socket.send(JSON.stringify({ type: "message", text: i === 0 ? "The invoice number is 4711" : `Later message ${i}.` }));
                    await echo;
                    echoed++;
                    await new Promise(resolve => setTimeout(resolve, 60)); // Under the send rate (20 a second).
                }
                socket.close();
                return echoed;
            }
            """, chatId));

        await Expect(bob.Locator("#ce-conversations li", new() { HasText = "ann" })).ToBeVisibleAsync();
        await bob.GetByRole(AriaRole.Button, new() { Name = "Search messages" }).ClickAsync();
        var dialog = bob.GetByRole(AriaRole.Dialog, new() { Name = "Search messages" });
        await dialog.GetByLabel("Words or \"a phrase\", in all your chats").FillAsync("invoice");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await bob.RecordJumpsAsync();
        await dialog.Locator(".ce-message-hit").ClickAsync();

        var messages = bob.Locator("#ce-messages li.ce-msg");
        await bob.ExpectJumpedToAsync(messages.Filter(new() { HasText = "invoice number" }));
        await Expect(messages.Filter(new() { HasText = "Later message 80." })).ToHaveCountAsync(0);
        var latest = bob.GetByRole(AriaRole.Button, new() { Name = "Show the latest messages" });
        await Expect(latest).ToBeVisibleAsync();
        await bob.AssertAccessibleAsync("older history opened at a search hit, desktop");

        // Scrolled to its end, the list reads on from the newest message it shows.
        var shown = await messages.CountAsync();
        await bob.Locator("#ce-messages").EvaluateAsync("list => list.scrollTop = list.scrollHeight");
        await Expect(messages).Not.ToHaveCountAsync(shown);

        // A message sent meanwhile waits for the list to reach it; the button shows the newest at once.
        var box = ann.GetByRole(AriaRole.Textbox, new() { Name = "Message" });
        await box.FillAsync("Sent while bob reads old history");
        await box.PressAsync("Enter");
        await Expect(ann.Locator("#ce-messages li.ce-msg[data-id]", new() { HasText = "Sent while bob" })).ToBeVisibleAsync();
        await latest.ClickAsync();
        await Expect(messages.Filter(new() { HasText = "Later message 80." })).ToHaveCountAsync(1);
        await Expect(messages.Filter(new() { HasText = "Sent while bob reads old history" })).ToHaveCountAsync(1);
        await Expect(messages.Last).ToContainTextAsync("Sent while bob reads old history");
        await Expect(latest).ToBeHiddenAsync();
    }

    /// <summary>Two people on desktops; the first has opened a private chat with the second.</summary>
    private async Task<(IPage First, IPage Second)> TwoPeopleInAPrivateChatAsync(string first, string second)
    {
        var desktop = new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 800 } };
        var opener = await fixture.SignUpAsync(first, desktop);
        var other = await fixture.SignUpAsync(second, desktop);
        await opener.StartChatWithAsync(second);
        return (opener, other);
    }
}
