using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace ChatEngine.BrowserTests;

/// <summary>
/// Replies, reactions, edits, pins and deletions through the app: one person on a desktop (hover
/// menus), the other on a touch phone (a long press opens the same menu), everything live on both.
/// </summary>
public sealed class MessagesThatChangeInTheBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private string BaseUrl => fixture.Host.BaseAddress.ToString().TrimEnd('/');

    [Fact]
    public async Task TwoPeople_React_Reply_Edit_Pin_AndDelete_LiveOnBothScreens()
    {
        var ann = await SignUpAsync("ann", new() { ViewportSize = new() { Width = 1280, Height = 800 } });
        var ben = await SignUpAsync("ben", new() { ViewportSize = new() { Width = 390, Height = 844 }, HasTouch = true, IsMobile = true });

        await ann.StartChatWithAsync("ben");
        await ben.GotoAsync(ann.Url);
        await SendAsync(ann, "Lunch at noon?");
        await Expect(ben.Locator("#ce-messages li.ce-msg", new() { HasText = "Lunch at noon?" })).ToBeVisibleAsync();
        // The message by its id from here on: a quote of it carries its text too.
        var id = await ben.Locator("#ce-messages li.ce-msg", new() { HasText = "Lunch at noon?" }).GetAttributeAsync("data-id");
        var annsMessageOnBen = ben.Locator($"#ce-messages li[data-id='{id}']");

        // Ben, on his phone, presses and holds the message: its menu opens; he reacts.
        await annsMessageOnBen.DispatchEventAsync("contextmenu");
        await Expect(ben.GetByRole(AriaRole.Menu, new() { Name = "Message actions" })).ToBeVisibleAsync();
        await ben.AssertAccessibleAsync("a message's menu, phone");
        await ben.GetByRole(AriaRole.Menuitem, new() { Name = "React with 👍" }).ClickAsync();
        var annsMessage = ann.Locator($"#ce-messages li[data-id='{id}']");
        var thumbs = annsMessage.GetByRole(AriaRole.Button, new() { Name = "👍 1: add yours" });
        await Expect(thumbs).ToBeVisibleAsync();

        // Ann's chip toggles her own reaction on and off.
        await thumbs.ClickAsync();
        await Expect(annsMessage.GetByRole(AriaRole.Button, new() { Name = "👍 2, yours: remove it" })).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(annsMessageOnBen.Locator(".ce-chip")).ToHaveTextAsync("👍 2");
        await annsMessage.GetByRole(AriaRole.Button, new() { Name = "👍 2, yours: remove it" }).ClickAsync();
        await Expect(annsMessageOnBen.Locator(".ce-chip")).ToHaveTextAsync("👍 1");

        // Ben replies to it: the reply carries a quote that jumps to the original.
        await annsMessageOnBen.DispatchEventAsync("contextmenu");
        await ben.GetByRole(AriaRole.Menuitem, new() { Name = "Reply" }).ClickAsync();
        await Expect(ben.Locator("#ce-compose-mode")).ToContainTextAsync("Replying to ann: Lunch at noon?");
        await SendAsync(ben, "Yes, see you there");
        var reply = ann.Locator("#ce-messages li.ce-msg", new() { HasText = "Yes, see you there" });
        await Expect(reply.Locator(".ce-quote")).ToContainTextAsync("Lunch at noon?");
        await ann.RecordJumpsAsync();
        await reply.Locator(".ce-quote").ClickAsync();
        await ann.ExpectJumpedToAsync(annsMessage);

        // Ann edits hers from the hover menu: Ben sees the new text marked "edited", and so does his quote.
        await annsMessage.HoverAsync();
        await annsMessage.GetByRole(AriaRole.Button, new() { Name = "Actions for your message" }).ClickAsync();
        await ann.AssertAccessibleAsync("a message's menu, desktop");
        await ann.GetByRole(AriaRole.Menuitem, new() { Name = "Edit" }).ClickAsync();
        await Expect(ann.GetByRole(AriaRole.Textbox, new() { Name = "Message" })).ToHaveValueAsync("Lunch at noon?");
        await ann.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).FillAsync("Lunch at one?");
        await ann.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).PressAsync("Enter");
        var editedOnBen = annsMessageOnBen;
        await Expect(editedOnBen.Locator(".ce-text")).ToHaveTextAsync("Lunch at one?");
        await Expect(editedOnBen.Locator(".ce-edited")).ToHaveTextAsync("edited");
        await Expect(ben.Locator("#ce-messages li.ce-msg", new() { HasText = "Yes, see you there" }).Locator(".ce-quote")).ToContainTextAsync("Lunch at one?");

        // Either of them may pin in a private chat: the pinned bar shows it on both screens.
        await editedOnBen.DispatchEventAsync("contextmenu");
        await ben.GetByRole(AriaRole.Menuitem, new() { Name = "Pin" }).ClickAsync();
        await Expect(ann.Locator(".ce-pinned")).ToContainTextAsync("Lunch at one?");
        await Expect(ben.Locator(".ce-pinned")).ToContainTextAsync("Lunch at one?");
        await ann.AssertAccessibleAsync("a chat with a pin, a quote and reactions, desktop");
        await ben.AssertAccessibleAsync("a chat with a pin, a quote and reactions, phone");
        await ann.ShotAsync("app-desktop-messages-light");
        await ben.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await ben.AssertAccessibleAsync("a chat with a pin, a quote and reactions, phone, dark");
        await ben.ShotAsync("app-phone-messages-dark");

        // Ben may not edit or delete Ann's message: his menu does not offer it.
        await editedOnBen.DispatchEventAsync("contextmenu");
        await Expect(ben.GetByRole(AriaRole.Menuitem, new() { Name = "Edit" })).ToHaveCountAsync(0);
        await Expect(ben.GetByRole(AriaRole.Menuitem, new() { Name = "Delete" })).ToHaveCountAsync(0);
        await ben.Keyboard.PressAsync("Escape");
        await Expect(ben.GetByRole(AriaRole.Menu)).ToHaveCountAsync(0);

        // Ann deletes hers: a tombstone on both screens, the quote says so, the pin is gone.
        ann.Dialog += (_, dialog) => dialog.AcceptAsync();
        var edited = annsMessage;
        await edited.HoverAsync();
        await edited.GetByRole(AriaRole.Button, new() { Name = "Actions for your message" }).ClickAsync();
        await ann.GetByRole(AriaRole.Menuitem, new() { Name = "Delete" }).ClickAsync();
        await Expect(ben.Locator("#ce-messages li.ce-deleted")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("This message was deleted."));
        await Expect(ben.Locator("#ce-messages li.ce-msg", new() { HasText = "Yes, see you there" }).Locator(".ce-quote")).ToContainTextAsync("Deleted message");
        await Expect(ben.Locator(".ce-pinned")).ToBeHiddenAsync();

        // Reloaded, the page shows the same.
        await ben.ReloadAsync();
        await Expect(ben.Locator("#ce-messages li.ce-deleted")).ToHaveCountAsync(1);
        await Expect(ben.Locator(".ce-quote")).ToContainTextAsync("Deleted message");
    }

    [Fact]
    public async Task AMention_IsOfferedAsItIsTyped_MarkedForWhomItNames_AndCountedOnTheirList()
    {
        var cat = await SignUpAsync("cat", new() { ViewportSize = new() { Width = 1280, Height = 800 } });
        var dov = await SignUpAsync("dov", new() { ViewportSize = new() { Width = 1280, Height = 800 } });
        await cat.StartChatWithAsync("dov");

        // "@d" offers dov; Enter takes the offer (and sends nothing yet).
        var box = cat.GetByRole(AriaRole.Textbox, new() { Name = "Message" });
        await box.PressSequentiallyAsync("@d");
        var offer = cat.GetByRole(AriaRole.Listbox, new() { Name = "People to mention" }).GetByRole(AriaRole.Option, new() { Name = "@dov" });
        await Expect(offer).ToHaveAttributeAsync("aria-selected", "true");
        await cat.AssertAccessibleAsync("names offered for a mention, desktop");
        await box.PressAsync("Enter");
        await Expect(box).ToHaveValueAsync("@dov ");
        await box.PressSequentiallyAsync("the budget is ready");
        await box.PressAsync("Enter");
        await Expect(cat.Locator("#ce-messages li.ce-msg[data-id]", new() { HasText = "@dov the budget is ready" })).ToBeVisibleAsync();

        // Dov's list, open all along, shows the new chat and counts the mention at once (his user
        // stream; nothing polls); the count stays until he reads it, and the message marks his name.
        var row = dov.Locator("#ce-conversations li", new() { HasText = "cat" });
        await Expect(row.GetByLabel("1 mention of you")).ToBeVisibleAsync();
        await row.ClickAsync();
        var message = dov.Locator("#ce-messages li.ce-mentions-me");
        await Expect(message.Locator("mark.ce-mention")).ToHaveTextAsync("@dov");
        await dov.AssertAccessibleAsync("a message that mentions you, desktop");
        await Expect(row.GetByLabel("1 mention of you")).ToHaveCountAsync(0);

        // Dov mutes the chat for eight hours from its Notifications dialog: the list says so.
        await dov.GetByRole(AriaRole.Button, new() { Name = "Notifications", Exact = true }).ClickAsync();
        var settings = dov.GetByRole(AriaRole.Dialog, new() { Name = "Notifications" });
        await Expect(settings.GetByRole(AriaRole.Radio, new() { Name = "Every message" })).ToBeCheckedAsync();
        await dov.AssertAccessibleAsync("a chat's notification settings, desktop");
        await settings.GetByLabel("Mute").SelectOptionAsync("For 8 hours");
        await settings.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(settings).ToBeHiddenAsync();
        await Expect(row).ToContainTextAsync("(muted)");
    }

    private static async Task SendAsync(IPage page, string text)
    {
        var box = page.GetByRole(AriaRole.Textbox, new() { Name = "Message" });
        await Expect(box).ToBeEnabledAsync();
        await box.FillAsync(text);
        await box.PressAsync("Enter");
        await Expect(page.Locator("#ce-messages li.ce-msg[data-id]", new() { HasText = text })).ToBeVisibleAsync();
    }

    private Task<IPage> SignUpAsync(string name, BrowserNewContextOptions options) => fixture.SignUpAsync(name, options);
}
