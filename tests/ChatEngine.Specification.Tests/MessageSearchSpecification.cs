using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ChatEngine.Specification.Tests;

/// <summary>Message search (contract v2, section 6): scope, matching, order, paging, snippets, and an index that follows every change.</summary>
public abstract partial class ChatEngineSpecificationTests
{
    protected MessageSearch MessageSearch => Services.GetRequiredService<MessageSearch>();

    [Fact]
    public async Task Search_FindsOnlyTheCallersChats_EveryWord_IgnoringCaseAndAccents_NewestFirst()
    {
        var team = (await GroupAsync(Alice, "Team", "bob")).Chat.Id;
        var other = (await GroupAsync(Carol, "Others", "dave")).Chat.Id;
        var chat = await PrivateChatAsync(Alice, "eve");
        var first = await SendAsync(Bob, team, "The Café opens at nine");
        var second = await SendAsync(Alice, chat, "see you at the cafe, Eve");
        await SendAsync(Carol, other, "cafe talk nobody else sees");
        await SendAsync(Bob, team, "tea only");

        var page = await MessageSearch.SearchAsync(Alice, new MessageSearchRequest("CAFÉ"));
        Assert.Equal([second.Id, first.Id], page.Results.Select(r => r.Hit.MessageId));
        Assert.Equal(("eve", ChatKind.Private, "alice"), (page.Results[0].ChatName, page.Results[0].Chat.Kind, page.Results[0].Sender.UserName));
        Assert.Equal(("Team", "bob"), (page.Results[1].ChatName, page.Results[1].Sender.UserName));
        Assert.False(page.HasMore);

        // Every word must match; the last also as a prefix; a phrase in order.
        Assert.Equal([first.Id], (await MessageSearch.SearchAsync(Alice, new MessageSearchRequest("cafe nine"))).Results.Select(r => r.Hit.MessageId));
        Assert.Equal([first.Id], (await MessageSearch.SearchAsync(Alice, new MessageSearchRequest("opens ni"))).Results.Select(r => r.Hit.MessageId));
        Assert.Empty((await MessageSearch.SearchAsync(Alice, new MessageSearchRequest("\"nine at\""))).Results);
        Assert.Equal([first.Id], (await MessageSearch.SearchAsync(Alice, new MessageSearchRequest("\"opens at nine\""))).Results.Select(r => r.Hit.MessageId));

        // Narrowed to a chat or a sender; a chat that is not the caller's is not found.
        Assert.Equal([first.Id], (await MessageSearch.SearchAsync(Alice, new MessageSearchRequest("cafe") { ChatId = team })).Results.Select(r => r.Hit.MessageId));
        Assert.Equal([second.Id], (await MessageSearch.SearchAsync(Alice, new MessageSearchRequest("cafe") { FromUserName = "alice" })).Results.Select(r => r.Hit.MessageId));
        Assert.Empty((await MessageSearch.SearchAsync(Alice, new MessageSearchRequest("cafe") { FromUserName = "nobody" })).Results);
        await AssertChatErrorAsync(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, () => MessageSearch.SearchAsync(Alice, new MessageSearchRequest("cafe") { ChatId = other }));

        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.SearchTermRequired, () => MessageSearch.SearchAsync(Alice, new MessageSearchRequest("  ")));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidQuery, () => MessageSearch.SearchAsync(Alice, new MessageSearchRequest("a")));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidQuery, () => MessageSearch.SearchAsync(Alice, new MessageSearchRequest(new string('x', 201))));
    }

    [Fact]
    public async Task Search_FollowsEditsDeletionsAndMembership_AndMatchesScriptsWithoutSpacesAsSubstrings()
    {
        var team = (await GroupAsync(Alice, "Team", "bob")).Chat.Id;
        var edited = await SendAsync(Bob, team, "lunch plans");
        var deleted = await SendAsync(Bob, team, "lunch secret");
        var japanese = await SendAsync(Bob, team, "明日は東京タワーに行きます");
        var thai = await SendAsync(Bob, team, "สวัสดีครับทุกคน");

        await MessageChanges.EditAsync(Bob, team, edited.Id, "dinner plans");
        await MessageChanges.DeleteAsync(Bob, team, deleted.Id);
        Assert.Empty((await MessageSearch.SearchAsync(Alice, new MessageSearchRequest("lunch"))).Results);
        Assert.Equal([edited.Id], (await MessageSearch.SearchAsync(Alice, new MessageSearchRequest("dinner"))).Results.Select(r => r.Hit.MessageId));
        Assert.Equal([japanese.Id], (await MessageSearch.SearchAsync(Alice, new MessageSearchRequest("東京"))).Results.Select(r => r.Hit.MessageId));
        Assert.Equal([japanese.Id], (await MessageSearch.SearchAsync(Alice, new MessageSearchRequest("タワー"))).Results.Select(r => r.Hit.MessageId));
        Assert.Empty((await MessageSearch.SearchAsync(Alice, new MessageSearchRequest("京東"))).Results);
        Assert.Equal([thai.Id], (await MessageSearch.SearchAsync(Alice, new MessageSearchRequest("ทุกคน"))).Results.Select(r => r.Hit.MessageId));

        // The snippet marks what matched, in UTF-16 offsets of the snippet.
        var hit = (await MessageSearch.SearchAsync(Alice, new MessageSearchRequest("東京"))).Results.Single();
        var highlight = Assert.Single(hit.Highlights);
        Assert.Equal("東京", hit.Snippet[highlight.Start..highlight.End]);

        // Once out of the chat, its messages are not found.
        await Groups.LeaveAsync(Alice, team);
        Assert.Empty((await MessageSearch.SearchAsync(Alice, new MessageSearchRequest("dinner"))).Results);
    }

    [Fact]
    public async Task Search_PagesByKeyset_NewestFirstOrByRelevance_WithNothingRepeatedOrMissed()
    {
        var team = (await GroupAsync(Alice, "Team", "bob")).Chat.Id;
        var sent = new List<long>();
        for (var i = 0; i < 7; i++)
        {
            sent.Add((await SendAsync(Bob, team, i % 2 == 0 ? $"report {i} report report" : $"report number {i}")).Id);
        }

        var recent = new List<long>();
        long? before = null;
        do
        {
            var page = await MessageSearch.SearchAsync(Alice, new MessageSearchRequest("report") { Limit = 3, BeforeId = before });
            recent.AddRange(page.Results.Select(r => r.Hit.MessageId));
            before = page.HasMore ? long.Parse(page.Next!, System.Globalization.CultureInfo.InvariantCulture) : null;
        }
        while (before is not null);
        Assert.Equal(sent.AsEnumerable().Reverse(), recent);

        var ranked = new List<long>();
        string? cursor = null;
        do
        {
            var page = await MessageSearch.SearchAsync(Alice, new MessageSearchRequest("report") { Limit = 2, Order = MessageSearchOrder.Relevance, Cursor = cursor });
            ranked.AddRange(page.Results.Select(r => r.Hit.MessageId));
            cursor = page.HasMore ? page.Next : null;
        }
        while (cursor is not null);
        Assert.Equal(sent.Order(), ranked.Order());
        // The messages saying it three times rank above those saying it once.
        Assert.All(ranked.Take(4), id => Assert.Equal(0, sent.IndexOf(id) % 2));
        await AssertChatErrorAsync(ChatErrorKind.Validation, ChatErrorCodes.InvalidCursor,
            () => MessageSearch.SearchAsync(Alice, new MessageSearchRequest("report") { Order = MessageSearchOrder.Relevance, Cursor = "bogus" }));
    }

    [Fact]
    public void Snippet_IsAtMost200Characters_AroundTheFirstMatch_WithEllipsesWhereCut()
    {
        var text = new string('a', 300) + " the needle " + new string('b', 300);
        var (snippet, highlights) = MessageSearch.Snippet(text, MessageSearch.ParseQuery("needle"));
        Assert.Equal(200, snippet.Length);
        Assert.StartsWith("…", snippet, StringComparison.Ordinal);
        Assert.EndsWith("…", snippet, StringComparison.Ordinal);
        Assert.Equal("needle", snippet[highlights[0].Start..highlights[0].End]);

        var (whole, marks) = MessageSearch.Snippet("Crème brûlée,\nplease", MessageSearch.ParseQuery("creme brul"));
        Assert.Equal("Crème brûlée, please", whole);
        Assert.Equal(["Crème", "brûlée"], marks.Select(m => whole[m.Start..m.End]));
    }
}
