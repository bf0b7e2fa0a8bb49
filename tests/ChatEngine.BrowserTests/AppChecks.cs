using System.Text.Json;
using Microsoft.Playwright;
using Xunit;

namespace ChatEngine.BrowserTests;

/// <summary>What every screen of the app is held to: axe-core finds no serious or critical violation.</summary>
internal static class AppChecks
{
    private static readonly Lazy<string> AxeSource = new(() => File.ReadAllText(AxePath()));

    /// <summary>Runs axe-core (WCAG 2 A and AA rules) on the page as it is now; fails on any serious or critical violation.</summary>
    public static async Task AssertAccessibleAsync(this IPage page, string screen)
    {
        // Evaluated, not added as a script tag: the pages' Content-Security-Policy allows no inline script.
        await page.EvaluateAsync(AxeSource.Value);
        var violations = await page.EvaluateAsync<JsonElement>("""
            async () => (await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }))
                .violations.filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(" ")).join(", ")}`)
            """);
        var found = violations.EnumerateArray().Select(v => v.GetString()).ToArray();
        Assert.True(found.Length == 0, $"axe-core on {screen}:\n{string.Join('\n', found)}");
    }

    /// <summary>
    /// Records every message a jump marks from now on (a search hit, a quote, a pin). The mark lasts
    /// 1.5 seconds, which polling on a loaded machine can miss; the record cannot be missed.
    /// </summary>
    public static Task RecordJumpsAsync(this IPage page) => page.EvaluateAsync("""
        () => {
            window.ceJumpedTo = [];
            new MutationObserver(records => {
                for (const record of records) {
                    if (record.target.classList.contains("ce-flash")) window.ceJumpedTo.push(record.target.dataset.id);
                }
            }).observe(document.body, { subtree: true, attributeFilter: ["class"] });
        }
        """);

    /// <summary>Waits until a jump recorded since <see cref="RecordJumpsAsync"/> marked this message, and finds it scrolled into view.</summary>
    public static async Task ExpectJumpedToAsync(this IPage page, ILocator message)
    {
        var id = await message.GetAttributeAsync("data-id");
        Assert.NotNull(id);
        try
        {
            await page.WaitForFunctionAsync("id => window.ceJumpedTo.includes(id)", id);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"No jump marked message {id}; marked: [{string.Join(", ", await page.EvaluateAsync<string[]>("() => window.ceJumpedTo"))}].");
        }

        await Assertions.Expect(message).ToBeInViewportAsync();
    }

    public static Task ShotAsync(this IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(ChromiumFixture.ScreenshotFolder, name + ".png") });

    /// <summary>axe-core from the client's npm dependencies (scripts/test.sh runs <c>npm ci</c> there).</summary>
    private static string AxePath()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var axe = Path.Combine(folder.FullName, "clients", "chatengine-js", "node_modules", "axe-core", "axe.min.js");
            if (File.Exists(Path.Combine(folder.FullName, "ChatEngine.sln")))
            {
                return File.Exists(axe) ? axe : throw new InvalidOperationException($"axe-core is missing at {axe}: run `npm ci` in clients/chatengine-js (scripts/test.sh does).");
            }
        }

        throw new InvalidOperationException("ChatEngine.sln not found above " + AppContext.BaseDirectory);
    }
}
