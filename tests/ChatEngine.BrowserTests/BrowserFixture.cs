using Microsoft.Playwright;
using Xunit;

namespace ChatEngine.BrowserTests;

/// <summary>
/// Debian's Chromium driven by Playwright (Playwright's own browser download cannot work here), headless.
/// </summary>
public class ChromiumFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots of the pages go: <c>CHATENGINE_ARTIFACTS</c> (set by scripts/test.sh), or the test output folder.</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(
        Environment.GetEnvironmentVariable("CHATENGINE_ARTIFACTS") ?? AppContext.BaseDirectory, "screenshots");

    public virtual async Task InitializeAsync()
    {
        var chromium = Environment.GetEnvironmentVariable("CHATENGINE_CHROMIUM") ?? "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            throw new InvalidOperationException($"Chromium is missing at {chromium}: run scripts/test.sh, which installs Debian's chromium package.");
        }

        Directory.CreateDirectory(ScreenshotFolder);
        // CI runs the test projects side by side on two cores: what takes a moment here can take seconds there.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public virtual async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>Chromium against the reference host on real Kestrel.</summary>
public sealed class BrowserFixture : ChromiumFixture
{
    public ChatEngine.ReferenceHost.Tests.ReferenceHostFactory Host { get; } = new();

    /// <summary>A person in a browser context of their own, registered through the host's page and on their chat list.</summary>
    public async Task<IPage> SignUpAsync(string name, BrowserNewContextOptions options)
    {
        var page = await (await Browser.NewContextAsync(options)).NewPageAsync();
        await page.GotoAsync($"{Host.BaseAddress.ToString().TrimEnd('/')}/user/register/");
        await page.GetByLabel("Username").FillAsync(name);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("Passw0rd!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await page.WaitForPageAsync("**/home/");
        return page;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Host.DisposeAsync();
    }
}
