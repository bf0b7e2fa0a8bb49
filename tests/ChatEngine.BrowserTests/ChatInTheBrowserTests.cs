using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace ChatEngine.BrowserTests;

/// <summary>People chatting in real browsers: each user in a browser context of their own.</summary>
public sealed class ChatInTheBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private string BaseUrl => fixture.Host.BaseAddress.ToString().TrimEnd('/');

    [Fact]
    public async Task TwoPeopleChat_ThenAThirdJoinsAGroupByCode()
    {
        var alice = await SignUpAsync("alice");
        var bob = await SignUpAsync("bob");
        var carol = await SignUpAsync("carol");

        // Alice finds Bob and starts a private chat.
        await alice.GetByLabel("Find people by username").FillAsync("bob");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Chat with bob" }).ClickAsync();
        await alice.WaitForPageAsync("**/chat-web/*");
        var chatUrl = alice.Url;

        // Bob sees the chat on his home page and opens it.
        await bob.GotoAsync($"{BaseUrl}/home/");
        await bob.GetByRole(AriaRole.Link).Filter(new() { HasText = "alice" }).ClickAsync();
        await bob.WaitForPageAsync(chatUrl);
        await Expect(alice.Locator("#ce-presence")).ToHaveTextAsync("online");

        // Alice sends with Enter; it arrives live on Bob's side, and his reading shows as a receipt.
        await alice.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).FillAsync("Hello Bob!");
        await alice.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).PressAsync("Enter");
        await Expect(bob.Locator("#ce-messages li").Last).ToContainTextAsync("Hello Bob!");
        await Expect(alice.Locator("#ce-messages li.ce-mine .ce-receipt").Last).ToContainTextAsync("Read by bob");

        // Bob types: Alice sees it.
        await bob.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).PressSequentiallyAsync("Hi");
        await Expect(alice.Locator("#ce-typing")).ToContainTextAsync("bob is typing");
        await bob.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).PressAsync("Enter");
        await Expect(alice.Locator("#ce-messages li.ce-theirs").Last).ToContainTextAsync("Hi");

        // A file goes to the online member, with an image preview.
        await alice.Locator("#ce-file").SetInputFilesAsync(new FilePayload { Name = "dot.png", MimeType = "image/png", Buffer = OnePixelPng });
        await Expect(bob.GetByRole(AriaRole.Link, new() { Name = "Download dot.png" })).ToBeVisibleAsync();
        await Expect(bob.Locator("img.ce-preview-image")).ToBeVisibleAsync();
        await alice.ScreenshotAsync(new() { Path = Path.Combine(ChromiumFixture.ScreenshotFolder, "chat-alice.png"), FullPage = true });
        await bob.ScreenshotAsync(new() { Path = Path.Combine(ChromiumFixture.ScreenshotFolder, "chat-bob.png"), FullPage = true });

        // Alice creates a group with Bob; Carol joins it by code.
        await alice.GotoAsync($"{BaseUrl}/home/");
        await Expect(alice.Locator("#ce-chats li")).ToContainTextAsync("Hi");
        await alice.ScreenshotAsync(new() { Path = Path.Combine(ChromiumFixture.ScreenshotFolder, "home-alice.png"), FullPage = true });
        await alice.SetViewportSizeAsync(390, 844);
        await Expect(alice.GetByLabel("Find people by username")).ToBeVisibleAsync();
        await alice.ScreenshotAsync(new() { Path = Path.Combine(ChromiumFixture.ScreenshotFolder, "home-alice-phone.png"), FullPage = true });
        // Dark when the system is dark.
        await alice.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        Assert.Equal("rgb(11, 17, 32)", await alice.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor"));
        await alice.ScreenshotAsync(new() { Path = Path.Combine(ChromiumFixture.ScreenshotFolder, "home-alice-phone-dark.png"), FullPage = true });
        await alice.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
        Assert.Equal("rgb(246, 247, 249)", await alice.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor"));
        await alice.SetViewportSizeAsync(1000, 800);
        await alice.GetByLabel("Group name").FillAsync("Project Team");
        await alice.GetByLabel("Members (usernames, comma-separated)").FillAsync("bob");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Create group" }).ClickAsync();
        await alice.WaitForPageAsync("**/chat-web/*");
        var code = await alice.Locator("#ce-join-code-value").InnerTextAsync();

        await carol.GotoAsync($"{BaseUrl}/home/");
        await carol.GetByLabel("Join code").FillAsync(code);
        await carol.GetByRole(AriaRole.Button, new() { Name = "Join", Exact = true }).ClickAsync();
        await carol.WaitForPageAsync(alice.Url);
        await carol.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).FillAsync("Carol here");
        await carol.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).PressAsync("Enter");
        await Expect(alice.Locator("#ce-messages li").Last).ToContainTextAsync("Carol here");

        // Signing out ends the session.
        await carol.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await carol.WaitForPageAsync("**/user/login/");
        await carol.GotoAsync($"{BaseUrl}/home/");
        await Expect(carol).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/user/login/$"));

        // And signing in again brings her back to her chats, the group among them.
        await carol.GetByLabel("Username").FillAsync("carol");
        await carol.GetByLabel("Password").FillAsync("Passw0rd!");
        await carol.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await carol.WaitForPageAsync("**/home/");
        await Expect(carol.Locator("#ce-groups li")).ToContainTextAsync("Project Team");

        // Alice removes Carol while Carol has the group open (whether her socket is open by then or
        // still opening): her page says so and stops reconnecting.
        await carol.GotoAsync(alice.Url);
        var groupId = alice.Url.TrimEnd('/').Split('/')[^1];
        var removed = await alice.EvaluateAsync<int>($$"""
            async () => (await fetch("/group/{{groupId}}/members/carol", {
                method: "DELETE",
                headers: { RequestVerificationToken: document.querySelector('meta[name="ce-antiforgery"]').content },
            })).status
            """);
        Assert.Equal(204, removed);
        await Expect(carol.Locator("#ce-status")).ToHaveTextAsync("You are no longer a member of this chat.");
        await Expect(carol.GetByRole(AriaRole.Textbox, new() { Name = "Message" })).ToBeDisabledAsync();
    }

    [Fact]
    public async Task WrongPassword_ShowsTheError()
    {
        var page = await (await fixture.Browser.NewContextAsync()).NewPageAsync();
        await page.GotoAsync($"{BaseUrl}/user/login/");
        await page.GetByLabel("Username").FillAsync("nobody");
        await page.GetByLabel("Password").FillAsync("wrong");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Invalid user");
    }

    private async Task<IPage> SignUpAsync(string prefix)
    {
        var context = await fixture.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1000, Height = 800 } });
        var page = await context.NewPageAsync();
        var name = prefix;
        await page.GotoAsync($"{BaseUrl}/user/register/");
        await page.GetByLabel("Username").FillAsync(name);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("Passw0rd!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await page.WaitForPageAsync("**/home/");
        return page;
    }

    private static readonly byte[] OnePixelPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
}
