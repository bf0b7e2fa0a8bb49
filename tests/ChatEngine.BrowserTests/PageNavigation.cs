using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatEngine.BrowserTests;

internal static class PageNavigation
{
    /// <summary>
    /// Waits until the page is at <paramref name="url"/> (a glob, as Playwright's) and has loaded.
    /// Playwright's <c>WaitForURLAsync</c> checks for the load event after an <c>await</c>, without
    /// a lock, so on a busy machine the event can arrive in between and the wait then times out (seen
    /// on CI); polling the URL and <c>document.readyState</c> has no such window.
    /// </summary>
    public static async Task WaitForPageAsync(this IPage page, string url)
    {
        await Expect(page).ToHaveURLAsync(GlobToRegex(url));
        await page.WaitForFunctionAsync("() => document.readyState === 'complete'");
    }

    /// <summary>Starts a private chat with <paramref name="username"/> from the list's "New chat" dialog and waits for it to open.</summary>
    public static async Task StartChatWithAsync(this IPage page, string username)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "New chat" }).ClickAsync();
        await page.GetByLabel("Find people by username").FillAsync(username);
        await page.GetByRole(AriaRole.Button, new() { Name = $"Chat with {username}" }).ClickAsync();
        await page.WaitForPageAsync("**/chat-web/*");
    }

    private static Regex GlobToRegex(string glob) => new(
        "^" + Regex.Escape(glob).Replace(@"\*\*", ".*").Replace(@"\*", "[^/]*") + "$");
}
