using Microsoft.Playwright;
using SkiaSharp;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace ChatEngine.BrowserTests;

/// <summary>
/// Stored files through the app: attached by the button, by dropping and by pasting, uploaded with
/// progress, sent with a message; the other person, away at the time, finds the image inline (a larger
/// view on click) and the document as a download chip when they come back.
/// </summary>
public sealed class FilesInTheBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AnImageAndADocument_SentWhileTheOtherIsAway_AreThereWhenTheyComeBack()
    {
        var cleo = await fixture.SignUpAsync("cleo", new() { ViewportSize = new() { Width = 1280, Height = 800 } });
        var dan = await fixture.SignUpAsync("dan", new() { ViewportSize = new() { Width = 390, Height = 844 }, HasTouch = true, IsMobile = true, AcceptDownloads = true });

        await cleo.StartChatWithAsync("dan");

        // The button: a photo.
        await cleo.Locator("#ce-file").SetInputFilesAsync(new FilePayload { Name = "sunset.png", MimeType = "image/png", Buffer = TestPictures.Png(640, 480, SKColors.OrangeRed) });
        var tray = cleo.GetByRole(AriaRole.List, new() { Name = "Files to send" });
        await Expect(tray.Locator("li", new() { HasText = "sunset.png" })).ToContainTextAsync("Ready");

        // Dropped on the chat: a document. Pasted into the message box: a screenshot.
        await cleo.EvaluateAsync("""
            () => {
              const files = new DataTransfer();
              files.items.add(new File(["Agenda: 1. budget 2. dates"], "agenda.txt", { type: "text/plain" }));
              document.getElementById("ce-conversation").dispatchEvent(new DragEvent("drop", { dataTransfer: files, bubbles: true, cancelable: true }));
            }
            """);
        var screenshot = Convert.ToBase64String(TestPictures.Png(200, 100, SKColors.SeaGreen));
        await cleo.EvaluateAsync("""
            (base64) => {
              const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
              const clipboard = new DataTransfer();
              clipboard.items.add(new File([bytes], "pasted.png", { type: "image/png" }));
              document.getElementById("ce-text").dispatchEvent(new ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true, cancelable: true }));
            }
            """, screenshot);
        await Expect(tray.Locator("li", new() { HasText = "agenda.txt" })).ToContainTextAsync("Ready");
        await Expect(tray.Locator("li", new() { HasText = "pasted.png" })).ToContainTextAsync("Ready");
        await cleo.AssertAccessibleAsync("files waiting to be sent, desktop");
        await cleo.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).FillAsync("The photos and the agenda");
        await cleo.ShotAsync("app-desktop-files");

        await cleo.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).PressAsync("Enter");
        var sent = cleo.Locator("#ce-messages li.ce-msg[data-id]", new() { HasText = "The photos and the agenda" });
        await Expect(sent.Locator(".ce-image img")).ToHaveCountAsync(2);
        await Expect(tray).ToBeHiddenAsync();

        // Dan comes back to the chat: the images are inline at their thumbnails' size, the document a chip.
        await dan.GotoAsync(cleo.Url);
        var message = dan.Locator("#ce-messages li.ce-msg[data-id]", new() { HasText = "The photos and the agenda" });
        var photo = message.GetByRole(AriaRole.Img, new() { Name = "sunset.png" });
        await Expect(photo).ToHaveJSPropertyAsync("naturalWidth", 320);
        await Expect(message.GetByRole(AriaRole.Img, new() { Name = "pasted.png" })).ToHaveJSPropertyAsync("naturalWidth", 200);
        var chip = message.GetByRole(AriaRole.Link, new() { Name = "agenda.txt" });
        await Expect(chip).ToContainTextAsync("26 B");
        await dan.AssertAccessibleAsync("a message with images and a document, phone");
        await dan.ShotAsync("app-phone-files");

        // A tap shows the photo itself, large; Escape closes it.
        await message.GetByRole(AriaRole.Button, new() { Name = "View sunset.png" }).ClickAsync();
        var viewer = dan.GetByRole(AriaRole.Dialog, new() { Name = "Image" });
        await Expect(viewer.GetByRole(AriaRole.Img, new() { Name = "sunset.png" })).ToHaveJSPropertyAsync("naturalWidth", 640);
        await dan.AssertAccessibleAsync("an image viewed large, phone");
        await dan.Keyboard.PressAsync("Escape");
        await Expect(viewer).ToBeHiddenAsync();

        // The document downloads as what was sent.
        var download = await dan.RunAndWaitForDownloadAsync(() => chip.ClickAsync());
        Assert.Equal("agenda.txt", download.SuggestedFilename);
        Assert.Equal("Agenda: 1. budget 2. dates", await File.ReadAllTextAsync(await download.PathAsync()));
    }
}
