using ChatEngine.PackageTests;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace ChatEngine.BrowserTests;

/// <summary>
/// A newcomer's whole path in Chromium: an app made from an SDK template with the README's lines, two
/// people registering and signing in through the template's own pages, then chatting through
/// ChatEngine's pages, one on a phone-sized window and one on a desktop-sized one.
/// </summary>
public abstract class TemplateAppInTheBrowserTests<TApp>(TApp app, ChromiumFixture chromium)
    where TApp : TemplateApp
{
    private const string Password = "Passw0rd!";

    /// <summary>Where the template's Identity pages are.</summary>
    protected abstract string AccountPages { get; }

    /// <summary>A name for screenshots.</summary>
    protected abstract string Name { get; }

    private string BaseUrl => app.BaseAddress.ToString().TrimEnd('/');

    [Fact]
    public async Task TwoPeopleRegisterThroughTheTemplate_AndChat_OnAPhoneAndADesktop()
    {
        var ann = await RegisterAndSignInAsync("ann@example.com", width: 390, height: 844);
        var ben = await RegisterAndSignInAsync("ben@example.com", width: 1280, height: 800);

        // Ann, on her phone, finds Ben by his address (shown to her as his handle) and starts a chat;
        // the chat pages keep the app's brand.
        await ann.GotoAsync($"{BaseUrl}/chat/home/");
        await Expect(ann.Locator(".ce-brand")).ToHaveTextAsync("MyApp");
        await ann.GetByRole(AriaRole.Button, new() { Name = "New chat" }).ClickAsync();
        await ann.GetByLabel("Find people by username").FillAsync("ben@example.com");
        await ann.GetByRole(AriaRole.Button, new() { Name = "Chat with ben", Exact = true }).ClickAsync();
        await ann.WaitForPageAsync("**/chat/chat-web/*");

        // Ben, on his desktop, opens it from his list.
        await ben.GotoAsync($"{BaseUrl}/chat/home/");
        await ben.GetByRole(AriaRole.Link).Filter(new() { HasText = "ann" }).ClickAsync();
        await ben.WaitForPageAsync(ann.Url);

        await ann.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).FillAsync("Hi Ben, from my phone");
        await ann.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).PressAsync("Enter");
        await Expect(ben.Locator("#ce-messages li.ce-msg").Last).ToContainTextAsync("Hi Ben, from my phone");
        await ben.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).FillAsync("Hi Ann");
        await ben.GetByRole(AriaRole.Textbox, new() { Name = "Message" }).PressAsync("Enter");
        await Expect(ann.Locator("#ce-messages li.ce-msg").Last).ToContainTextAsync("Hi Ann");

        // On the phone, the message box and "Sign out" stay on screen.
        await Expect(ann.GetByRole(AriaRole.Textbox, new() { Name = "Message" })).ToBeInViewportAsync();
        await Expect(ann.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeInViewportAsync();
        await ann.ScreenshotAsync(new() { Path = Path.Combine(ChromiumFixture.ScreenshotFolder, $"{Name}-chat-phone.png"), FullPage = true });
        await ben.ScreenshotAsync(new() { Path = Path.Combine(ChromiumFixture.ScreenshotFolder, $"{Name}-chat-desktop.png"), FullPage = true });

        // Signing out from the chat pages ends the template's session.
        await ben.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await ben.GotoAsync($"{BaseUrl}/chat/home/");
        await Expect(ben).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"{AccountPages}/Login", System.Text.RegularExpressions.RegexOptions.IgnoreCase));
    }

    private async Task<IPage> RegisterAndSignInAsync(string email, int width, int height)
    {
        var context = await chromium.Browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{BaseUrl}{AccountPages}/Register");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await page.GetByLabel("Confirm Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Click here to confirm your account" }).ClickAsync();
        await Expect(page.GetByText("Thank you for confirming your email")).ToBeVisibleAsync();

        await page.GotoAsync($"{BaseUrl}{AccountPages}/Login");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true }).ClickAsync();
        await page.WaitForPageAsync($"{BaseUrl}/");
        return page;
    }
}

public sealed class WebAppTemplateInTheBrowserTests(WebAppTemplateApp app, ChromiumFixture chromium)
    : TemplateAppInTheBrowserTests<WebAppTemplateApp>(app, chromium), IClassFixture<WebAppTemplateApp>, IClassFixture<ChromiumFixture>
{
    protected override string AccountPages => "/Identity/Account";

    protected override string Name => "webapp";
}

public sealed class BlazorTemplateInTheBrowserTests(BlazorTemplateApp app, ChromiumFixture chromium)
    : TemplateAppInTheBrowserTests<BlazorTemplateApp>(app, chromium), IClassFixture<BlazorTemplateApp>, IClassFixture<ChromiumFixture>
{
    protected override string AccountPages => "/Account";

    protected override string Name => "blazor";
}
