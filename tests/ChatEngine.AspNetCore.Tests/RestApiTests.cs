using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static ChatEngine.AspNetCore.Tests.ChatServer;

namespace ChatEngine.AspNetCore.Tests;

public sealed class RestApiTests(ChatServerFixture fixture) : IClassFixture<ChatServerFixture>
{
    private ChatServer Server => fixture.Server;

    [Theory]
    [InlineData("GET", "/chat/")]
    [InlineData("POST", "/chat/")]
    [InlineData("GET", "/chat/1")]
    [InlineData("GET", "/group/")]
    [InlineData("GET", "/search/?q=a")]
    [InlineData("POST", "/group-join/")]
    public async Task EveryRoute_WithoutAuthentication_Is401ProblemDetails(string method, string path)
    {
        using var client = Server.Client();
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { }) });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ARequestTheRouteCannotRead_GetsTheSameAnswer_WhereMinimalApisThrowOnBadRequests()
    {
        // Development's default: the framework throws where it would answer a bare 400.
        await using var server = await ChatServer.StartAsync(services: s => s.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true));
        var chatId = await server.StartChatAsync(Alice, "bob");
        using var alice = server.Client(Alice);
        using var anonymous = server.Client();

        using var badBody = await alice.PostAsync("/chat/", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        using var badQuery = await alice.GetAsync($"/chat/{chatId}?before=abc");
        using var anonymousBadBody = await anonymous.PostAsync("/chat/", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_json"), (badBody.StatusCode, (string?)(await badBody.Content.ReadFromJsonAsync<JsonObject>())!["code"]));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_request"), (badQuery.StatusCode, (string?)(await badQuery.Content.ReadFromJsonAsync<JsonObject>())!["code"]));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousBadBody.StatusCode);
    }

    [Fact]
    public async Task ExpiredToken_IsRefused()
    {
        using var client = Server.Client();
        client.DefaultRequestHeaders.Authorization = new("Bearer", Server.TokenFor(Alice, TimeSpan.FromMinutes(-8)));
        using var response = await client.GetAsync("/chat/");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task StartChat_Returns201ThenExisting200_AcceptingTheOriginalsField()
    {
        using var carol = Server.Client(Carol);

        using var created = await carol.PostAsJsonAsync("/chat/", new { username_input = "dave" });
        using var again = await carol.PostAsJsonAsync("/chat/", new { username = "DAVE" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var item = await created.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal((long)item!["id"]!, (long)(await again.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);
        Snapshot.Match("chat-item", item);
    }

    [Fact]
    public async Task StartChat_WithOneselfOrUnknownOrNobody_IsAClearError()
    {
        using var alice = Server.Client(Alice);

        using var self = await alice.PostAsJsonAsync("/chat/", new { username_input = "alice" });
        using var unknown = await alice.PostAsJsonAsync("/chat/", new { username_input = "ghost" });
        using var badJson = await alice.PostAsync("/chat/", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, self.StatusCode);
        Assert.Equal("self_chat", (string?)(await self.Content.ReadFromJsonAsync<JsonObject>())!["code"]);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badJson.StatusCode);
        Assert.Equal("invalid_json", (string?)(await badJson.Content.ReadFromJsonAsync<JsonObject>())!["code"]);
    }

    [Theory]
    [InlineData("POST", "/chat/", "{not json", "application/json", HttpStatusCode.BadRequest, "invalid_json")]
    [InlineData("POST", "/chat/", "{\"username\": 123}", "application/json", HttpStatusCode.BadRequest, "invalid_json")]
    [InlineData("POST", "/chat/", "", "application/json", HttpStatusCode.BadRequest, "invalid_json")]
    [InlineData("POST", "/group/", "{\"name\": \"g\", \"members\": \"bob\"}", "application/json", HttpStatusCode.BadRequest, "invalid_json")]
    [InlineData("POST", "/group-join/", "{\"code\": 5}", "application/json", HttpStatusCode.BadRequest, "invalid_json")]
    [InlineData("GET", "/chat/{chat}?before=abc", null, null, HttpStatusCode.BadRequest, "invalid_request")]
    [InlineData("GET", "/chat/{chat}?limit=99999999999999", null, null, HttpStatusCode.BadRequest, "invalid_request")]
    [InlineData("GET", "/chat/{chat}?mark_read=maybe", null, null, HttpStatusCode.BadRequest, "invalid_request")]
    public async Task ARequestTheRouteCannotRead_IsProblemDetailsWithACode_And401WithoutAuthentication(
        string method, string path, string? body, string? mediaType, HttpStatusCode status, string code)
    {
        var chatId = await Server.StartChatAsync(Alice, "bob");
        HttpRequestMessage Request() => new(new HttpMethod(method), path.Replace("{chat}", chatId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
        {
            Content = body is null ? null : new StringContent(body, System.Text.Encoding.UTF8, mediaType!),
        };
        using var alice = Server.Client(Alice);
        using var anonymous = Server.Client();

        using var refused = await alice.SendAsync(Request());
        using var anonymousRefused = await anonymous.SendAsync(Request());

        Assert.Equal(status, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(code, (string?)problem!["code"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousRefused.StatusCode);
        Assert.Equal("application/problem+json", anonymousRefused.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ChatDetail_HasTheContractShape_PagesByMessageId_AndMarksRead()
    {
        using var alice = Server.Client(Alice);
        using var eve = Server.Client(Eve);
        var chatId = await Server.StartChatAsync(Alice, "eve");
        var ids = new List<long>();
        for (var i = 1; i <= 5; i++)
        {
            ids.Add(await SendAsync(i % 2 == 0 ? Eve : Alice, chatId, $"m{i}"));
        }

        var unreadBefore = await eve.GetFromJsonAsync<JsonArray>("/chat/");
        // Eve's own send (m4) moved her read position: only m5 is unread.
        Assert.Equal(1, (long)unreadBefore!.Single(c => (long)c!["id"]! == chatId)!["unread"]!);

        var newest = await eve.GetFromJsonAsync<JsonObject>($"/chat/{chatId}?limit=2");
        var older = await eve.GetFromJsonAsync<JsonObject>($"/chat/{chatId}/?before={ids[3]}&limit=2");
        var asSender = await alice.GetFromJsonAsync<JsonObject>($"/chat/{chatId}");

        Assert.Equal(["m4", "m5"], newest!["messages"]!.AsArray().Select(m => (string)m!["text"]!));
        Assert.True((bool)newest["has_more"]!);
        Assert.Equal(["m2", "m3"], older!["messages"]!.AsArray().Select(m => (string)m!["text"]!));
        Assert.Equal(Eve, (long)newest["myid"]!);
        Assert.Equal("alice", (string)newest["chatname"]!);
        var unreadAfter = await eve.GetFromJsonAsync<JsonArray>("/chat/");
        Assert.Equal(0, (long)unreadAfter!.Single(c => (long)c!["id"]! == chatId)!["unread"]!);
        var fifth = asSender!["messages"]!.AsArray()[^1]!;
        Assert.True((bool)fifth["read"]!);
        Assert.NotNull(fifth["read_by"]!["eve"]);
        Snapshot.Match("chat-detail", asSender);
    }

    [Fact]
    public async Task ChatDetail_ForNonMember_Is404_AndBadPagingIs400()
    {
        using var alice = Server.Client(Alice);
        var chatId = await Server.StartChatAsync(Alice, "bob");
        using var carol = Server.Client(Carol);

        using var foreign = await carol.GetAsync($"/chat/{chatId}");
        using var missing = await alice.GetAsync("/chat/999999");
        using var badBefore = await alice.GetAsync($"/chat/{chatId}?before=abc");
        using var badLimit = await alice.GetAsync($"/chat/{chatId}?limit=1000");

        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.DoesNotContain("messages", await foreign.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badBefore.StatusCode);
        Assert.Equal("invalid_request", (string?)(await badBefore.Content.ReadFromJsonAsync<JsonObject>())!["code"]);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.Equal("invalid_paging", (string?)(await badLimit.Content.ReadFromJsonAsync<JsonObject>())!["code"]);
    }

    [Theory]
    [InlineData("/chat")]
    [InlineData("/chat/")]
    [InlineData("/group")]
    [InlineData("/group/")]
    public async Task ListRoutes_AcceptBothSlashForms(string path)
    {
        using var alice = Server.Client(Alice);
        using var response = await alice.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task CreateGroup_Returns201WithTheContractShape()
    {
        using var alice = Server.Client(Alice);

        using var response = await alice.PostAsJsonAsync("/group/", new { name = "Project Team", members = new[] { "bob", "carol" } });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var group = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(["alice", "bob", "carol"], group!["members"]!.AsArray().Select(m => (string)m!).Order());
        Assert.Equal(["alice"], group["admins"]!.AsArray().Select(m => (string)m!));
        Snapshot.Match("group-created", group);
    }

    [Fact]
    public async Task CreateGroup_WithUnknownUsersOrNoName_Is400ListingThem()
    {
        using var alice = Server.Client(Alice);

        using var unknown = await alice.PostAsJsonAsync("/group/", new { name = "Team", members = new[] { "bob", "ghost" } });
        using var nameless = await alice.PostAsJsonAsync("/group/", new { name = " ", members = new[] { "bob" } });

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        var problem = await unknown.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(["ghost"], problem!["usernames"]!.AsArray().Select(u => (string)u!));
        Assert.Equal(HttpStatusCode.BadRequest, nameless.StatusCode);
    }

    [Fact]
    public async Task GroupDetail_ShowsMembers_AndTheCodeToAdminsOnly()
    {
        using var alice = Server.Client(Alice);
        using var bob = Server.Client(Bob);
        var groupId = await Server.CreateGroupAsync(Alice, "bob");

        var asAdmin = await alice.GetFromJsonAsync<JsonObject>($"/group/{groupId}");
        var asMember = await bob.GetFromJsonAsync<JsonObject>($"/group/{groupId}");
        using var asStranger = await Server.Client(Eve).GetAsync($"/group/{groupId}");

        Assert.NotNull(asAdmin!["code"]);
        Assert.Null(asMember!["code"]);
        Assert.Equal(2, asMember["members"]!.AsArray().Count);
        Assert.Equal(HttpStatusCode.NotFound, asStranger.StatusCode);
        Snapshot.Match("group-detail", asAdmin);
    }

    [Fact]
    public async Task GroupAdminRoutes_WorkForAdmins_AndAre403ForMembers()
    {
        using var alice = Server.Client(Alice);
        using var bob = Server.Client(Bob);
        var groupId = await Server.CreateGroupAsync(Alice, "bob");

        using var memberRename = await bob.PatchAsJsonAsync($"/group/{groupId}", new { name = "Mine" });
        Assert.Equal(HttpStatusCode.Forbidden, memberRename.StatusCode);
        Assert.Equal("not_admin", (string?)(await memberRename.Content.ReadFromJsonAsync<JsonObject>())!["code"]);

        using var added = await alice.PostAsJsonAsync($"/group/{groupId}/members", new { usernames = new[] { "carol", "dave" } });
        Assert.Equal(4, (await added.Content.ReadFromJsonAsync<JsonObject>())!["members"]!.AsArray().Count);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.PostAsJsonAsync($"/group/{groupId}/admins", new { username = "bob" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync($"/group/{groupId}/members/dave")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.DeleteAsync($"/group/{groupId}/admins/alice")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/group/{groupId}/admins/bob")).StatusCode);
        using var renamed = await alice.PatchAsJsonAsync($"/group/{groupId}", new { name = "Renamed" });
        Assert.Equal("Renamed", (string?)(await renamed.Content.ReadFromJsonAsync<JsonObject>())!["name"]);

        var code = (string?)(await (await alice.PostAsync($"/group/{groupId}/code", null)).Content.ReadFromJsonAsync<JsonObject>())!["code"];
        Assert.Equal(16, code!.Length);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/group/{groupId}/code")).StatusCode);
        using var revokedJoin = await Server.Client(Eve).PostAsJsonAsync("/group-join/", new { code });
        Assert.Equal(HttpStatusCode.NotFound, revokedJoin.StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await bob.PostAsync($"/group/{groupId}/leave", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/group/{groupId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/group/{groupId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync($"/group/{groupId}")).StatusCode);
    }

    [Fact]
    public async Task GroupJoin_FollowsTheContract()
    {
        using var alice = Server.Client(Alice);
        using var dave = Server.Client(Dave);
        var groupId = await Server.CreateGroupAsync(Alice);
        var code = (string?)(await alice.GetFromJsonAsync<JsonObject>($"/group/{groupId}"))!["code"];

        using var joined = await dave.PostAsJsonAsync("/group-join/", new { code });
        using var again = await dave.PostAsJsonAsync("/group-join/", new { code });
        using var empty = await dave.PostAsJsonAsync("/group-join/", new { code = "" });
        using var wrong = await dave.PostAsJsonAsync("/group-join/", new { code = "nope" });

        Assert.Equal(HttpStatusCode.OK, joined.StatusCode);
        Snapshot.Match("group-join", await joined.Content.ReadFromJsonAsync<JsonObject>());
        Assert.Equal("You are already a member of this group.", (string?)(await again.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("Group code is required.", (string?)(await empty.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        Assert.Equal(HttpStatusCode.NotFound, wrong.StatusCode);
        Assert.Equal("Group not found.", (string?)(await wrong.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
    }

    [Fact]
    public async Task RemovedMember_CannotRejoinWithTheCodeTheyKept_UntilAnAdminAddsThem()
    {
        using var alice = Server.Client(Alice);
        using var dave = Server.Client(Dave);
        var groupId = await Server.CreateGroupAsync(Alice, "dave");
        var code = (string?)(await alice.GetFromJsonAsync<JsonObject>($"/group/{groupId}"))!["code"];
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/group/{groupId}/members/dave")).StatusCode);

        using var rejoin = await dave.PostAsJsonAsync("/group-join/", new { code });
        var problem = await rejoin.Content.ReadFromJsonAsync<JsonObject>();
        using var history = await dave.GetAsync($"/group/{groupId}");
        using var added = await alice.PostAsJsonAsync($"/group/{groupId}/members", new { usernames = new[] { "dave" } });

        Assert.Equal((HttpStatusCode.Forbidden, "removed"), (rejoin.StatusCode, (string?)problem!["code"]));
        Assert.Equal(HttpStatusCode.NotFound, history.StatusCode);
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await dave.GetAsync($"/group/{groupId}")).StatusCode);
    }

    [Fact]
    public async Task Search_FindsBySubstring_ExcludesTheCaller_AndNeedsQ()
    {
        using var bob = Server.Client(Bob);

        var found = await bob.GetFromJsonAsync<JsonArray>("/search/?q=A");
        using var missing = await bob.GetAsync("/search/");

        Assert.Equal(["alice", "carol", "dave"], found!.Select(u => (string)u!["username"]!));
        Snapshot.Match("search", found!.Single(u => (string?)u!["username"] == "dave"));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.NotNull((await missing.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
    }

    [Fact]
    public async Task ListGroups_HasTheContractShape()
    {
        using var carol = Server.Client(Carol);
        var groupId = await Server.CreateGroupAsync(Carol, "dave");
        await SendAsync(Carol, groupId, "welcome");

        var groups = await Server.Client(Dave).GetFromJsonAsync<JsonArray>("/group/");
        var item = groups!.Single(g => (long)g!["id"]! == groupId);

        Assert.Equal("welcome", (string?)item!["lastMessage"]);
        Snapshot.Match("group-item", item);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesEveryRoute()
    {
        using var client = Server.Client();
        var document = await client.GetFromJsonAsync<JsonObject>("/openapi/v1.json");
        var paths = document!["paths"]!.AsObject().Select(p => p.Key).ToHashSet();

        foreach (var path in new[] { "/chat", "/chat/{id}", "/group", "/group/{id}", "/group/{id}/members", "/group/{id}/members/{username}",
                     "/group/{id}/admins", "/group/{id}/admins/{username}", "/group/{id}/code", "/group/{id}/leave", "/search", "/group-join" })
        {
            Assert.Contains(path, paths);
        }
    }



    [Fact]
    public async Task OpenApiDocument_EveryOperationThatReadsABodyOrATypedQueryValue_Declares400()
    {
        using var client = Server.Client();
        var document = await client.GetFromJsonAsync<JsonObject>("/openapi/v1.json");
        static bool IsTyped(JsonNode? parameter) =>
            (string?)parameter!["in"] == "query" && parameter["schema"]?["type"]?.ToJsonString() is { } type
            && (type.Contains("integer", StringComparison.Ordinal) || type.Contains("number", StringComparison.Ordinal) || type.Contains("boolean", StringComparison.Ordinal));

        var undeclared = new List<string>();
        foreach (var (path, item) in document!["paths"]!.AsObject())
        {
            // A path item also holds its shared "parameters" (an array): only operations are objects.
            foreach (var (method, operation) in item!.AsObject().Where(o => o.Value is JsonObject))
            {
                var readsInput = operation!["requestBody"] is not null || (operation["parameters"] as JsonArray ?? []).Any(IsTyped);
                if (readsInput && operation["responses"]?["400"] is null)
                {
                    undeclared.Add($"{method.ToUpperInvariant()} {path}");
                }
            }
        }

        Assert.Empty(undeclared);
    }

    [Fact]
    public async Task OpenApiDocument_NamesEveryFieldOfTheContract()
    {
        using var client = Server.Client();
        var document = await client.GetFromJsonAsync<JsonObject>("/openapi/v1.json");
        var schemas = document!["components"]!["schemas"]!.AsObject();
        string[] PropertiesOf(string schema) => schemas[schema]!["properties"]!.AsObject().Select(p => p.Key).Order().ToArray();

        // Requests: what a client may send, so nobody guesses a field name.
        Assert.Equal(["username", "username_input"], PropertiesOf("StartChatRequest"));
        Assert.Equal(["members", "name"], PropertiesOf("CreateGroupRequest"));
        Assert.Equal(["code"], PropertiesOf("JoinGroupRequest"));
        Assert.Equal(["name"], PropertiesOf("RenameGroupRequest"));
        Assert.Equal(["members", "usernames"], PropertiesOf("AddMembersRequest"));
        Assert.Equal(["username"], PropertiesOf("UserNameRequest"));

        // Answers, with v2's additions.
        Assert.Equal(["blocked", "id", "is_online", "lastMessage", "mentions", "muted_until", "notify_level", "seq", "time", "unread", "username"], PropertiesOf("ChatListItemResponse"));
        Assert.Equal(["id", "lastMessage", "mentions", "muted_until", "name", "notify_level", "seq", "time", "unread"], PropertiesOf("GroupListItemResponse"));
        Assert.Equal(["admins", "code", "id", "lastMessage", "members", "muted", "muted_until", "name", "notify_level", "owner", "seq", "time", "unread"], PropertiesOf("GroupResponse"));
        Assert.Equal(["admins", "blocked", "chatname", "code", "has_more", "has_newer", "id", "is_online", "lastseen", "members", "messages", "muted", "muted_until", "myid", "notify_level", "owner", "seq"], PropertiesOf("ChatDetailResponse"));
        Assert.Equal(["attachments", "client_id", "deleted", "edited_at", "id", "mentions", "pinned", "pinned_at", "pinned_by", "reactions", "read", "read_by", "reply_preview", "reply_to", "sender", "sendername", "text", "time"], PropertiesOf("MessageResponse"));
        Assert.Equal(["attachments", "deleted", "id", "sender", "sender_username", "text"], PropertiesOf("ReplyPreviewResponse"));
        Assert.Equal(["count", "emoji", "me"], PropertiesOf("ReactionResponse"));
        Assert.Equal(["attachments", "client_id", "reply_to", "text"], PropertiesOf("SendMessageRequest"));
        Assert.Equal(["client_id", "text"], PropertiesOf("EditMessageRequest"));
        Assert.Equal(["emoji"], PropertiesOf("ReactionRequest"));
        Assert.Equal(["id"], PropertiesOf("PinRequest"));
        Assert.Equal(["has_more", "users"], PropertiesOf("ReactorsResponse"));
        Assert.Equal(["events", "has_more", "limited", "seq"], PropertiesOf("ChangesResponse"));
        Assert.Equal(["id", "is_online", "lastseen", "username"], PropertiesOf("UserSearchResponse"));
        Assert.Equal(["detail", "id", "name"], PropertiesOf("GroupJoinResponse"));
        Assert.Equal(["username"], PropertiesOf("BlockRequest"));
        Assert.Equal(["reason", "until", "username"], PropertiesOf("ModerationRequest"));
        Assert.Equal(["note", "reason"], PropertiesOf("ReportRequest"));
        Assert.Equal(["chat_id", "id", "message", "note", "reason", "reporter", "reporter_username", "time", "type"], PropertiesOf("ReportResponse"));
        Assert.Contains("/chat/{id}/changes", document["paths"]!.AsObject().Select(p => p.Key));
    }

    private async Task<long> SendAsync(long user, long chatId, string text)
    {
        using var socket = await Server.ConnectAsync(user, chatId);
        await socket.SendAsync(new { type = "message", text });
        var frame = await socket.ReceiveAsync("message");
        return (long)frame["id"]!;
    }
}
