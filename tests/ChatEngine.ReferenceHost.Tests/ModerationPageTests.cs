using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatEngine.ReferenceHost.Tests.ScaleOut;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using ReferenceHost.Accounts;
using Xunit;
using static ChatEngine.ReferenceHost.Tests.TestAccounts;

namespace ChatEngine.ReferenceHost.Tests;

/// <summary>
/// The host's administrators' page (<c>/admin/</c>): every chat's reports, a private chat's included,
/// which reach nobody else; dismissing them; deleting the message; suspending an author, who is signed out everywhere at
/// once and cannot sign in until the suspension is lifted.
/// </summary>
public sealed partial class ModerationPageTests(ReferenceHostFactory host) : IClassFixture<ReferenceHostFactory>
{
    [Fact]
    public async Task ThePage_IsForAdministratorsOnly()
    {
        using var anonymous = host.NewClient();
        using var member = host.NewClient();
        await RegisterAsync(member, Unique("member"));
        var (admin, _) = await AdministratorAsync();

        Assert.Equal("/user/login/", (await anonymous.GetAsync("/admin/")).Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.NotFound, (await member.GetAsync("/admin/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await member.PostAsync("/admin/suspensions", Form(("username", "anyone")))).StatusCode);
        Assert.DoesNotContain("Moderation", await member.GetStringAsync("/user/account/"), StringComparison.Ordinal);
        Assert.Contains("href=\"/admin/\"", await admin.GetStringAsync("/user/account/"), StringComparison.Ordinal);
        using var page = await admin.GetAsync("/admin/?before=not-a-number");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<h1>Moderation</h1>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APrivateChatsReport_ReachesTheAdministrators_WhoSuspendItsAuthor_UntilTheyLiftIt()
    {
        var (spammer, victim, spammerTokens, victimToken, chatId, messageId, reportId) = await PrivateChatReportAsync("every day");
        using var spammerApi = ScaleOutCluster.Api(host, (string)spammerTokens["access"]!);
        using var victimApi = ScaleOutCluster.Api(host, victimToken);
        await using var spammerSocket = await LiveSocket.ConnectAsync(host.BaseAddress, chatId, (string)spammerTokens["access"]!);
        var (admin, adminName) = await AdministratorAsync();

        var page = await admin.GetStringAsync("/admin/");
        var listed = ListedReport(page, reportId);
        foreach (var shown in new[] { $"Spam</strong>, reported by {victim} in a private chat,", $"<strong>{spammer}</strong> wrote: cheap watches, click here", "Note: every day", $"Suspend {spammer}" })
        {
            Assert.Contains(shown, listed, StringComparison.Ordinal);
        }

        // A form posted without the page's token changes nothing.
        using var forged = await admin.PostAsync("/admin/suspensions", Form(("username", spammer)));
        Assert.Equal("/admin/?error=expired", forged.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Created, (await spammerApi.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "still here" })).StatusCode);

        using var suspended = await PostFormAsync(admin, "/admin/suspensions", ("username", spammer), ("chat", chatId.ToString()), ("report", reportId.ToString()));
        Assert.Equal("/admin/?done=suspended", suspended.Headers.Location?.OriginalString);

        // Signed out everywhere at once: the open socket, the access token, the refresh token, and a new sign-in.
        Assert.Equal("Signed out", await spammerSocket.ClosedAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await spammerApi.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "again" })).StatusCode);
        using (var refresh = await host.NewClient().PostAsJsonAsync("/api/token/refresh/", new { refresh = (string)spammerTokens["refresh"]! }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
        }

        using (var login = await host.NewClient().PostAsJsonAsync("/user/login/", new { username = spammer, password = Password }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
            Assert.Equal("This account is suspended by the server's administrators.", (string?)(await login.Content.ReadFromJsonAsync<JsonObject>())!["error"]);
        }

        using (var token = await host.NewClient().PostAsJsonAsync("/api/token/", new { username = spammer, password = Password }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, token.StatusCode);
            Assert.Equal("This account is suspended by the server's administrators.", (string?)(await token.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        }

        // Only the right password learns of the suspension.
        using (var guess = await host.NewClient().PostAsJsonAsync("/user/login/", new { username = spammer, password = "not the password" }))
        {
            Assert.Equal("Invalid user", (string?)(await guess.Content.ReadFromJsonAsync<JsonObject>())!["error"]);
        }

        // The report was answered by the suspension; the account is listed, to be lifted.
        page = await admin.GetStringAsync("/admin/?done=suspended");
        Assert.DoesNotContain($"data-report=\"{reportId}\"", page, StringComparison.Ordinal);
        Assert.Contains("The account was suspended", page, StringComparison.Ordinal);
        Assert.Contains($"Lift the suspension of {spammer}", page, StringComparison.Ordinal);
        using (var stillReportable = await victimApi.PostAsJsonAsync($"/chat/{chatId}/messages/{messageId}/report", new { reason = "spam" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, stillReportable.StatusCode); // A new report, the first one being answered.
        }

        using var lifted = await PostFormAsync(admin, "/admin/suspensions/lift", ("username", spammer));
        Assert.Equal("/admin/?done=lifted", lifted.Headers.Location?.OriginalString);
        Assert.DoesNotContain($"Lift the suspension of {spammer}", await admin.GetStringAsync("/admin/"), StringComparison.Ordinal);
        using var back = ScaleOutCluster.Api(host, (string)(await TokensAsync(host, spammer))["access"]!);
        Assert.Equal(HttpStatusCode.Created, (await back.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "sorry" })).StatusCode);

        // Administrators, oneself included, and names of nobody are refused.
        Assert.Equal("/admin/?error=administrator", (await PostFormAsync(admin, "/admin/suspensions", ("username", adminName))).Headers.Location?.OriginalString);
        var (_, otherAdmin) = await AdministratorAsync();
        Assert.Equal("/admin/?error=administrator", (await PostFormAsync(admin, "/admin/suspensions", ("username", otherAdmin))).Headers.Location?.OriginalString);
        Assert.Equal("/admin/?error=no_such_account", (await PostFormAsync(admin, "/admin/suspensions", ("username", "nobody-at-all"))).Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task AGroupsReport_IsListedToo_AndDismissedOnce()
    {
        var owner = Unique("owner");
        var rude = Unique("rude");
        await RegisterAsync(host.NewClient(), owner);
        await RegisterAsync(host.NewClient(), rude);
        using var ownerApi = ScaleOutCluster.Api(host, (string)(await TokensAsync(host, owner))["access"]!);
        using var rudeApi = ScaleOutCluster.Api(host, (string)(await TokensAsync(host, rude))["access"]!);
        var groupId = await IdOfAsync(await ownerApi.PostAsJsonAsync("/group/", new { name = "Book club", members = new[] { rude } }));
        var messageId = await IdOfAsync(await rudeApi.PostAsJsonAsync($"/chat/{groupId}/messages", new { text = "you all <b>stink</b>" }));
        var reportId = await IdOfAsync(await ownerApi.PostAsJsonAsync($"/chat/{groupId}/messages/{messageId}/report", new { reason = "abuse" }));
        var (admin, _) = await AdministratorAsync();

        var page = await admin.GetStringAsync("/admin/");
        var listed = ListedReport(page, reportId);
        Assert.Contains($"reported by {owner} in the group <strong>Book club</strong>,", listed, StringComparison.Ordinal);
        Assert.Contains("you all &lt;b&gt;stink&lt;/b&gt;", listed, StringComparison.Ordinal); // Shown as text, never as markup.

        using var dismissed = await PostFormAsync(admin, "/admin/reports/dismiss", ("chat", groupId.ToString()), ("report", reportId.ToString()));
        using var again = await PostFormAsync(admin, "/admin/reports/dismiss", ("chat", groupId.ToString()), ("report", reportId.ToString()));

        Assert.Equal("/admin/?done=dismissed", dismissed.Headers.Location?.OriginalString);
        Assert.Equal("/admin/?error=report_gone", again.Headers.Location?.OriginalString);
        Assert.DoesNotContain($"data-report=\"{reportId}\"", await admin.GetStringAsync("/admin/"), StringComparison.Ordinal);
        Assert.Empty((await ownerApi.GetFromJsonAsync<JsonArray>($"/group/{groupId}/reports"))!); // The group's admins see it gone too.
    }

    [Fact]
    public async Task AReportedMessage_IsDeletedForBothMembersOfAPrivateChat_AndItsReportAnswered()
    {
        var (_, _, spammerTokens, victimToken, chatId, messageId, reportId) = await PrivateChatReportAsync(note: null);
        using var spammerApi = ScaleOutCluster.Api(host, (string)spammerTokens["access"]!);
        using var victimApi = ScaleOutCluster.Api(host, victimToken);
        await using var victimSocket = await LiveSocket.ConnectAsync(host.BaseAddress, chatId, victimToken, query: "v=2");
        var (admin, adminName) = await AdministratorAsync();
        Assert.Contains(">Delete the message</button>", ListedReport(await admin.GetStringAsync("/admin/"), reportId), StringComparison.Ordinal);

        using (var forged = await admin.PostAsync("/admin/reports/delete-message", Form(("chat", chatId.ToString()), ("report", reportId.ToString()))))
        {
            Assert.Equal("/admin/?error=expired", forged.Headers.Location?.OriginalString);
        }

        using var deleted = await PostFormAsync(admin, "/admin/reports/delete-message", ("chat", chatId.ToString()), ("report", reportId.ToString()));
        using var again = await PostFormAsync(admin, "/admin/reports/delete-message", ("chat", chatId.ToString()), ("report", reportId.ToString()));

        Assert.Equal("/admin/?done=deleted", deleted.Headers.Location?.OriginalString);
        Assert.Equal("/admin/?error=report_gone", again.Headers.Location?.OriginalString);
        var live = await victimSocket.NextAsync("message_deleted");
        Assert.Equal((messageId, await AccountIdAsync(adminName)), ((long)live["id"]!, (long)live["by"]!));
        foreach (var member in new[] { spammerApi, victimApi })
        {
            var message = (await member.GetFromJsonAsync<JsonObject>($"/chat/{chatId}/messages/{messageId}"))!;
            Assert.Equal((true, ""), ((bool)message["deleted"]!, (string?)message["text"]));
        }

        var page = await admin.GetStringAsync("/admin/?done=deleted");
        Assert.DoesNotContain($"data-report=\"{reportId}\"", page, StringComparison.Ordinal);
        Assert.Contains("The message was deleted for everyone in its chat", page, StringComparison.Ordinal);

        // A report of a message its author deleted meanwhile is answered all the same.
        var second = await IdOfAsync(await spammerApi.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "buy more" }));
        var secondReport = await IdOfAsync(await victimApi.PostAsJsonAsync($"/chat/{chatId}/messages/{second}/report", new { reason = "spam" }));
        Assert.Equal(HttpStatusCode.NoContent, (await spammerApi.DeleteAsync($"/chat/{chatId}/messages/{second}")).StatusCode);
        var listed = ListedReport(await admin.GetStringAsync("/admin/"), secondReport);
        Assert.Contains("The message has been deleted since", listed, StringComparison.Ordinal);
        Assert.DoesNotContain("Delete the message", listed, StringComparison.Ordinal);
        using var late = await PostFormAsync(admin, "/admin/reports/delete-message", ("chat", chatId.ToString()), ("report", secondReport.ToString()));
        Assert.Equal("/admin/?done=already_deleted", late.Headers.Location?.OriginalString);
        Assert.DoesNotContain($"data-report=\"{secondReport}\"", await admin.GetStringAsync("/admin/"), StringComparison.Ordinal);
    }

    /// <summary>A spammer's message in a private chat, reported as spam by the other member.</summary>
    private async Task<(string Spammer, string Victim, JsonObject SpammerTokens, string VictimToken, long ChatId, long MessageId, long ReportId)> PrivateChatReportAsync(string? note)
    {
        var spammer = Unique("spam");
        var victim = Unique("victim");
        await RegisterAsync(host.NewClient(), spammer);
        await RegisterAsync(host.NewClient(), victim);
        var spammerTokens = await TokensAsync(host, spammer);
        var victimToken = (string)(await TokensAsync(host, victim))["access"]!;
        using var spammerApi = ScaleOutCluster.Api(host, (string)spammerTokens["access"]!);
        using var victimApi = ScaleOutCluster.Api(host, victimToken);
        var chatId = await IdOfAsync(await spammerApi.PostAsJsonAsync("/chat/", new { username = victim }));
        var messageId = await IdOfAsync(await spammerApi.PostAsJsonAsync($"/chat/{chatId}/messages", new { text = "cheap watches, click here" }));
        var reportId = await IdOfAsync(await victimApi.PostAsJsonAsync($"/chat/{chatId}/messages/{messageId}/report", new { reason = "spam", note }));
        return (spammer, victim, spammerTokens, victimToken, chatId, messageId, reportId);
    }

    /// <summary>An administrator as <c>create-admin</c> makes one, signed in by the login form's JSON.</summary>
    private async Task<(HttpClient Browser, string Name)> AdministratorAsync()
    {
        var name = Unique("admin");
        await using (var scope = host.Services.CreateAsyncScope())
        {
            Assert.Equal(0, await CreateAdminCommand.RunAsync(scope.ServiceProvider, name, Password));
        }

        var browser = host.NewClient();
        (await browser.PostAsJsonAsync("/user/login/", new { username = name, password = Password })).EnsureSuccessStatusCode();
        return (browser, name);
    }

    private async Task<long> AccountIdAsync(string name)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<ChatAccount>>().FindByNameAsync(name))!.Id;
    }

    private static async Task<long> IdOfAsync(HttpResponseMessage response)
    {
        using (response)
        {
            response.EnsureSuccessStatusCode();
            return (long)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        }
    }

    /// <summary>Posts one of the page's forms as a browser does: with the token the page gave.</summary>
    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string path, params (string Name, string Value)[] fields)
    {
        var token = FormToken(await browser.GetStringAsync("/admin/"));
        return await browser.PostAsync(path, Form([("__RequestVerificationToken", token), .. fields]));
    }

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => KeyValuePair.Create(f.Name, f.Value)));

    /// <summary>A report's item on the page, its white space as a browser shows it (one space).</summary>
    private static string ListedReport(string page, long reportId) => Regex.Replace(
        ReportItem().Matches(page).Select(m => m.Value).Single(item => item.Contains($"data-report=\"{reportId}\"", StringComparison.Ordinal)), @"\s+", " ");

    [GeneratedRegex("<li data-report=\"\\d+\">.*?</li>", RegexOptions.Singleline)]
    private static partial Regex ReportItem();
}
