using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace ChatEngine.BrowserTests;

/// <summary>
/// Reports, mutes, bans and blocks through the app: a member reports a message, the group's admin
/// hears of it at once and acts from the group's details; a user blocks another from their private chat.
/// </summary>
public sealed class ModerationInTheBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AReportReachesTheAdmin_WhoDeletesTheMessage_MutesItsAuthor_AndBansAnother()
    {
        var desktop = new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 800 } };
        var eli = await fixture.SignUpAsync("eli", desktop);
        var fay = await fixture.SignUpAsync("fay", desktop);
        var gus = await fixture.SignUpAsync("gus", desktop);
        eli.Dialog += (_, dialog) => dialog.AcceptAsync();

        await eli.GetByRole(AriaRole.Button, new() { Name = "New group" }).ClickAsync();
        await eli.GetByLabel("Group name").FillAsync("Book Club");
        await eli.GetByLabel("Members (usernames, comma-separated)").FillAsync("fay, gus");
        await eli.GetByRole(AriaRole.Button, new() { Name = "Create group" }).ClickAsync();
        await Expect(eli.Locator(".ce-chat-title")).ToHaveTextAsync("Book Club");
        await eli.GetByRole(AriaRole.Button, new() { Name = "Group details" }).ClickAsync();
        await Expect(eli.Locator("#ce-reports-title")).ToHaveTextAsync("Reports (0)");
        await fay.GotoAsync(eli.Url);
        await SendAsync(fay, "Cheap watches at example.com");
        // Gus opens the chat after it was sent, so he sees it from the history (which names its
        // sender differently from a live event): the dialog must name her all the same.
        await gus.GotoAsync(eli.Url);

        // Gus reports it from its menu; he is thanked, and Fay is never told.
        var spam = gus.Locator("#ce-messages li.ce-msg", new() { HasText = "Cheap watches" });
        await spam.HoverAsync();
        await spam.GetByRole(AriaRole.Button, new() { Name = "Actions for fay's message" }).ClickAsync();
        await gus.GetByRole(AriaRole.Menuitem, new() { Name = "Report" }).ClickAsync();
        var dialog = gus.GetByRole(AriaRole.Dialog, new() { Name = "Report message" });
        await Expect(dialog).ToContainTextAsync("fay: Cheap watches at example.com");
        await gus.AssertAccessibleAsync("the report dialog, desktop");
        await dialog.GetByLabel("Spam").CheckAsync();
        await dialog.GetByLabel("Note (optional)").FillAsync("a bot");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Report", Exact = true }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(gus.Locator("#ce-status")).ToHaveTextAsync("Reported to the group's admins. Thank you.");

        // Eli hears of it at once, and the open details list it; he deletes the message from there.
        await Expect(eli.Locator("#ce-status")).ToContainTextAsync("gus reported a message in Book Club");
        await Expect(eli.Locator("#ce-reports-title")).ToHaveTextAsync("Reports (1)");
        await Expect(eli.Locator(".ce-reports li")).ToContainTextAsync("spam · reported by gus · “a bot”");
        await eli.AssertAccessibleAsync("group details with a report, desktop");
        await eli.GetByRole(AriaRole.Button, new() { Name = "Delete message by fay" }).ClickAsync();
        await Expect(eli.Locator("#ce-reports-title")).ToHaveTextAsync("Reports (0)");
        await Expect(fay.Locator("#ce-messages li.ce-deleted")).ToHaveCountAsync(1);
        await Expect(fay.Locator("#ce-status")).Not.ToContainTextAsync("report");

        // Eli mutes Fay for an hour: she is told, and her next message is refused.
        await eli.GetByRole(AriaRole.Button, new() { Name = "Mute fay for 1 hour" }).ClickAsync();
        await Expect(eli.Locator(".ce-members li[data-username=fay] .ce-muted")).ToContainTextAsync("muted until");
        await Expect(fay.Locator("#ce-status")).ToContainTextAsync("An admin muted you here");
        var box = fay.GetByRole(AriaRole.Textbox, new() { Name = "Message" });
        await box.FillAsync("Am I muted?");
        await box.PressAsync("Enter");
        await Expect(fay.Locator("#ce-status")).ToHaveTextAsync("An admin muted you in this group.");
        await eli.GetByRole(AriaRole.Button, new() { Name = "Unmute fay" }).ClickAsync();
        await Expect(fay.Locator("#ce-status")).ToContainTextAsync("you can post again");

        // Eli bans Gus: Gus's chat stops, and the ban is listed for Eli to lift.
        await eli.GetByRole(AriaRole.Button, new() { Name = "Ban gus from the group" }).ClickAsync();
        await Expect(gus.Locator("#ce-status")).ToContainTextAsync("no longer a member");
        await Expect(eli.Locator(".ce-bans li[data-username=gus]")).ToContainTextAsync("for good");
        await eli.AssertAccessibleAsync("group details with a ban, desktop");
        await eli.GetByRole(AriaRole.Button, new() { Name = "Lift ban of gus" }).ClickAsync();
        await Expect(eli.Locator(".ce-bans")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ABlock_ClosesThePrivateChatOnBothSides_UntilLifted()
    {
        var phone = new BrowserNewContextOptions { ViewportSize = new() { Width = 390, Height = 844 }, HasTouch = true, IsMobile = true };
        var hal = await fixture.SignUpAsync("hal", phone);
        var ida = await fixture.SignUpAsync("ida", phone);
        ida.Dialog += (_, dialog) => dialog.AcceptAsync();
        await hal.StartChatWithAsync("ida");
        await SendAsync(hal, "Hello?");

        // Until the chat's page says whether a block stands, Block cannot be pressed: a press then
        // would be undone as that page, read before it, lands.
        var pageHeld = new TaskCompletionSource();
        await ida.RouteAsync(new Regex(@"/chat/\d+(\?|$)"), async route =>
        {
            if (route.Request.ResourceType == "fetch") await pageHeld.Task;
            await route.ContinueAsync();
        });
        await ida.GotoAsync(hal.Url);
        var block = ida.GetByRole(AriaRole.Button, new() { Name = "Block" });
        await Expect(block).ToBeDisabledAsync();
        pageHeld.SetResult();
        await Expect(block).ToBeEnabledAsync();

        await block.ClickAsync();
        await Expect(ida.Locator(".ce-blocked-note")).ToHaveTextAsync("You blocked hal: neither of you can write here until you unblock them.");
        await Expect(ida.GetByRole(AriaRole.Textbox, new() { Name = "Message" })).ToBeHiddenAsync();
        await ida.AssertAccessibleAsync("a private chat with a block, phone");

        var box = hal.GetByRole(AriaRole.Textbox, new() { Name = "Message" });
        await box.FillAsync("Still there?");
        await box.PressAsync("Enter");
        await Expect(hal.Locator("#ce-status")).ToHaveTextAsync("A block stands between you and this user.");

        await ida.GetByRole(AriaRole.Button, new() { Name = "Unblock" }).ClickAsync();
        await Expect(ida.Locator(".ce-blocked-note")).ToBeHiddenAsync();
        await SendAsync(ida, "Sorry, back now");
        await Expect(hal.Locator("#ce-messages li.ce-msg", new() { HasText = "Sorry, back now" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task APrivateChatsReports_ReachTheServersAdministrator_WhoDeletesTheMessage_AndSuspendsItsAuthor_UntilLifted()
    {
        var desktop = new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 800 } };
        var jay = await fixture.SignUpAsync("jay", new() { ViewportSize = new() { Width = 390, Height = 844 }, HasTouch = true, IsMobile = true });
        var lee = await fixture.SignUpAsync("lee", desktop);
        var kit = await fixture.SignUpAsync("kit", desktop);
        await MakeAdministratorAsync("kit");
        await jay.StartChatWithAsync("lee");
        await SendAsync(jay, "Free crypto at example.com");
        await SendAsync(jay, "Last chance for free crypto");

        await lee.GotoAsync(jay.Url);
        foreach (var text in new[] { "Free crypto at", "Last chance" })
        {
            var spam = lee.Locator("#ce-messages li.ce-msg", new() { HasText = text });
            await spam.HoverAsync();
            await spam.GetByRole(AriaRole.Button, new() { Name = "Actions for jay's message" }).ClickAsync();
            await lee.GetByRole(AriaRole.Menuitem, new() { Name = "Report" }).ClickAsync();
            var dialog = lee.GetByRole(AriaRole.Dialog, new() { Name = "Report message" });
            await dialog.GetByLabel("Spam").CheckAsync();
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Report", Exact = true }).ClickAsync();
            await Expect(dialog).ToBeHiddenAsync();
            await Expect(lee.Locator("#ce-status")).ToHaveTextAsync("Reported. Thank you.");
        }

        // The administrator finds them from the account page.
        await kit.GetByRole(AriaRole.Link, new() { Name = "Account" }).ClickAsync();
        await kit.GetByRole(AriaRole.Link, new() { Name = "Moderation" }).ClickAsync();
        var first = kit.Locator("li[data-report]", new() { HasText = "Free crypto at example.com" });
        await Expect(first).ToContainTextAsync("Spam, reported by lee in a private chat, ");
        await kit.AssertAccessibleAsync("the moderation page, desktop");
        await kit.ShotAsync("moderation-desktop");
        await kit.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await kit.AssertAccessibleAsync("the moderation page, desktop, dark");
        await kit.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });

        // Deleting the first message: it goes from both members' open chat at once.
        await first.GetByRole(AriaRole.Button, new() { Name = "Delete the message of jay for everyone" }).ClickAsync();
        await Expect(kit.GetByRole(AriaRole.Status)).ToContainTextAsync("The message was deleted for everyone in its chat");
        await Expect(kit.Locator("li[data-report]", new() { HasText = "Free crypto at" })).ToHaveCountAsync(0);
        foreach (var member in new[] { lee, jay })
        {
            await Expect(member.Locator("#ce-messages li.ce-deleted")).ToHaveCountAsync(1);
            await Expect(member.Locator("#ce-messages li.ce-msg", new() { HasText = "Free crypto at" })).ToHaveCountAsync(0);
        }

        // Suspending its author from the second.
        var second = kit.Locator("li[data-report]", new() { HasText = "Last chance for free crypto" });
        await second.GetByRole(AriaRole.Button, new() { Name = "Suspend jay" }).ClickAsync();
        await Expect(kit.GetByRole(AriaRole.Status)).ToContainTextAsync("The account was suspended");
        await Expect(kit.Locator("li[data-report]", new() { HasText = "Last chance" })).ToHaveCountAsync(0);

        // Jay's open chat stops at once, and signing in again says why.
        await Expect(jay.Locator("#ce-status")).ToHaveTextAsync("You are signed out. Sign in again to keep chatting.");
        await jay.GotoAsync($"{fixture.Host.BaseAddress.ToString().TrimEnd('/')}/user/login/");
        await jay.GetByLabel("Username").FillAsync("jay");
        await jay.GetByLabel("Password", new() { Exact = true }).FillAsync("Passw0rd!");
        await jay.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(jay.GetByRole(AriaRole.Alert)).ToHaveTextAsync("This account is suspended by the server's administrators.");

        await kit.GetByRole(AriaRole.Button, new() { Name = "Lift the suspension of jay" }).ClickAsync();
        await Expect(kit.GetByRole(AriaRole.Status)).ToContainTextAsync("The suspension was lifted");
        await jay.GetByLabel("Username").FillAsync("jay");
        await jay.GetByLabel("Password", new() { Exact = true }).FillAsync("Passw0rd!");
        await jay.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await jay.WaitForPageAsync("**/home/");
    }

    private async Task MakeAdministratorAsync(string name)
    {
        await using var scope = fixture.Host.Services.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole<long>>>();
        if (!await roles.RoleExistsAsync("Admin"))
        {
            await roles.CreateAsync(new IdentityRole<long>("Admin"));
        }

        var users = scope.ServiceProvider.GetRequiredService<UserManager<global::ReferenceHost.Accounts.ChatAccount>>();
        await users.AddToRoleAsync((await users.FindByNameAsync(name))!, "Admin");
    }

    private static async Task SendAsync(IPage page, string text)
    {
        var box = page.GetByRole(AriaRole.Textbox, new() { Name = "Message" });
        await Expect(box).ToBeEnabledAsync();
        await box.FillAsync(text);
        await box.PressAsync("Enter");
        await Expect(page.Locator("#ce-messages li.ce-msg[data-id]", new() { HasText = text })).ToBeVisibleAsync();
    }
}
