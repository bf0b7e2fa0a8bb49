using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ChatEngine.AspNetCore;

/// <summary>
/// The REST routes of the contract. Each handler reads the caller from the authenticated principal
/// (never from the body) and leaves every rule to the core; <see cref="ChatProblems"/> maps failures.
/// </summary>
internal static class ChatApiHandlers
{
    public static async Task<Ok<List<ChatListItemResponse>>> ListChats(HttpContext context, ChatService chats, CancellationToken cancellationToken)
    {
        var list = await chats.GetChatsAsync(Me(context), ChatKind.Private, cancellationToken);
        return TypedResults.Ok(list.Select(ListItems.Private).ToList());
    }

    public static async Task<Results<Created<ChatListItemResponse>, Ok<ChatListItemResponse>>> StartChat(
        HttpContext context, [FromBody] StartChatRequest request, ChatService chats, CancellationToken cancellationToken)
    {
        var (chat, created) = await chats.StartPrivateChatAsync(Me(context), request.UsernameInput ?? request.Username, cancellationToken);
        var item = ListItems.Private(chat);
        return created ? TypedResults.Created($"/chat/{chat.ChatId}", item) : TypedResults.Ok(item);
    }

    public static async Task<Ok<ChatDetailResponse>> GetChat(
        HttpContext context, long id, long? before, long? around, int? limit, [FromQuery(Name = "mark_read")] bool? markRead, ChatService chats, CancellationToken cancellationToken)
    {
        var detail = await chats.GetChatPageAsync(Me(context), id, Page(before, around, limit, markRead), cancellationToken);
        return TypedResults.Ok(ToDetail(detail, Me(context), Links(context), includeGroup: detail.Chat.Kind == ChatKind.Group));
    }

    public static async Task<Ok<List<GroupListItemResponse>>> ListGroups(HttpContext context, ChatService chats, CancellationToken cancellationToken)
    {
        var list = await chats.GetChatsAsync(Me(context), ChatKind.Group, cancellationToken);
        return TypedResults.Ok(list.Select(ListItems.Group).ToList());
    }

    public static async Task<Created<GroupResponse>> CreateGroup(
        HttpContext context, [FromBody] CreateGroupRequest request, GroupService groups, CancellationToken cancellationToken)
    {
        var group = await groups.CreateGroupAsync(Me(context), request.Name, request.Members, cancellationToken);
        return TypedResults.Created($"/group/{group.Chat.Id}", ToGroup(group));
    }

    public static async Task<Ok<ChatDetailResponse>> GetGroup(
        HttpContext context, long id, long? before, long? around, int? limit, [FromQuery(Name = "mark_read")] bool? markRead, ChatService chats, CancellationToken cancellationToken)
    {
        var detail = await chats.GetChatPageAsync(Me(context), id, Page(before, around, limit, markRead), cancellationToken);
        if (detail.Chat.Kind != ChatKind.Group)
        {
            throw new ChatException(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, "Chat not found.");
        }

        return TypedResults.Ok(ToDetail(detail, Me(context), Links(context), includeGroup: true));
    }

    public static async Task<Ok<GroupResponse>> RenameGroup(
        HttpContext context, long id, [FromBody] RenameGroupRequest request, GroupService groups, CancellationToken cancellationToken) =>
        TypedResults.Ok(ToGroup(await groups.RenameAsync(Me(context), id, request.Name, cancellationToken)));

    public static async Task<NoContent> DeleteGroup(HttpContext context, long id, GroupService groups, CancellationToken cancellationToken)
    {
        await groups.DeleteAsync(Me(context), id, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<GroupResponse>> AddMembers(
        HttpContext context, long id, [FromBody] AddMembersRequest request, GroupService groups, CancellationToken cancellationToken) =>
        TypedResults.Ok(ToGroup(await groups.AddMembersAsync(Me(context), id, request.Usernames ?? request.Members, cancellationToken)));

    public static async Task<NoContent> RemoveMember(HttpContext context, long id, string username, GroupService groups, CancellationToken cancellationToken)
    {
        await groups.RemoveMemberAsync(Me(context), id, username, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> PromoteMember(
        HttpContext context, long id, [FromBody] UserNameRequest request, GroupService groups, CancellationToken cancellationToken)
    {
        await groups.PromoteAsync(Me(context), id, request.Username, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> DemoteAdmin(HttpContext context, long id, string username, GroupService groups, CancellationToken cancellationToken)
    {
        await groups.DemoteAsync(Me(context), id, username, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<JoinCodeResponse>> RegenerateJoinCode(HttpContext context, long id, GroupService groups, CancellationToken cancellationToken) =>
        TypedResults.Ok(new JoinCodeResponse(await groups.RegenerateJoinCodeAsync(Me(context), id, cancellationToken)));

    public static async Task<NoContent> RevokeJoinCode(HttpContext context, long id, GroupService groups, CancellationToken cancellationToken)
    {
        await groups.RevokeJoinCodeAsync(Me(context), id, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> LeaveGroup(HttpContext context, long id, GroupService groups, CancellationToken cancellationToken)
    {
        await groups.LeaveAsync(Me(context), id, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<List<UserSearchResponse>>> SearchUsers(HttpContext context, string? q, ChatService chats, CancellationToken cancellationToken)
    {
        var found = await chats.SearchUsersAsync(Me(context), q, cancellationToken);
        return TypedResults.Ok(found.Select(u => new UserSearchResponse(u.User.Id, u.User.UserName, u.IsOnline, WireTime.Format(u.LastSeen))).ToList());
    }

    public static async Task<Ok<GroupJoinResponse>> JoinGroup(
        HttpContext context, [FromBody] JoinGroupRequest request, GroupService groups, CancellationToken cancellationToken)
    {
        var (group, joined) = await groups.JoinAsync(Me(context), request.Code, cancellationToken);
        return TypedResults.Ok(new GroupJoinResponse(group.Id, group.Name ?? string.Empty, joined ? null : "You are already a member of this group."));
    }

    /// <summary>
    /// <c>GET /chat/{id}/changes?after_seq=N&amp;limit=</c>: the chat's changes after N, in order. Read as
    /// text, so a malformed number is the contract's <c>invalid_paging</c>, not a binding failure.
    /// </summary>
    public static async Task<Ok<ChangesResponse>> GetChanges(
        HttpContext context, long id, [FromQuery(Name = "after_seq")] string? afterSeq, string? limit, ChatChanges changes, CancellationToken cancellationToken)
    {
        if (!TryParseOptional(afterSeq, out var after) || !TryParseOptional(limit, out var size) || size > int.MaxValue)
        {
            throw new ChatException(ChatErrorKind.Validation, ChatErrorCodes.InvalidPaging, "after_seq and limit must be whole numbers.");
        }

        var page = await changes.GetChangesAsync(Me(context), id, after ?? 0, (int?)size, cancellationToken);
        return TypedResults.Ok(ChangeFrames.ToResponse(page, Links(context)));
    }

    /// <summary><c>POST /chat/{id}/messages</c>: 201 with the message, or 200 with the first one for a repeated client id.</summary>
    public static async Task<Results<Created<MessageResponse>, Ok<MessageResponse>>> SendMessage(
        HttpContext context, long id, [FromBody] SendMessageRequest request, ChatConnectionCommands commands, MessageChangeService changes, CancellationToken cancellationToken)
    {
        var content = new MessageContent(request.Text, request.ClientId, request.ReplyTo, request.Attachments);
        var sent = await commands.SendAsync(context.RequestServices, new ChatConnectionUser(Me(context)), id, content, cancellationToken);
        if (!sent.Created)
        {
            var first = await changes.GetMessageAsync(Me(context), id, sent.Message.Id, cancellationToken);
            return TypedResults.Ok(MessageResponse.From(first, Links(context)) with { ClientId = sent.Message.ClientId });
        }

        var view = new MessageView(sent.Message, sent.Sender, []) { ReplyPreview = sent.ReplyPreview, Attachments = sent.Attachments };
        return TypedResults.Created($"/chat/{id}/messages/{sent.Message.Id}", MessageResponse.From(view, Links(context)) with { ClientId = sent.Message.ClientId });
    }

    public static async Task<Ok<MessageResponse>> GetMessage(HttpContext context, long id, long mid, MessageChangeService changes, CancellationToken cancellationToken) =>
        TypedResults.Ok(MessageResponse.From(await changes.GetMessageAsync(Me(context), id, mid, cancellationToken), Links(context)));

    public static async Task<Ok<MessageResponse>> EditMessage(
        HttpContext context, long id, long mid, [FromBody] EditMessageRequest request, ChatConnectionCommands commands, CancellationToken cancellationToken)
    {
        var edit = await commands.EditAsync(context.RequestServices, new ChatConnectionUser(Me(context)), id, mid, request.Text, request.ClientId, cancellationToken);
        return TypedResults.Ok(MessageResponse.From(edit.Message, Links(context)));
    }

    /// <summary><c>DELETE /chat/{id}/messages/{mid}</c>: 204, also when it was deleted already.</summary>
    public static async Task<NoContent> DeleteMessage(HttpContext context, long id, long mid, ChatConnectionCommands commands, CancellationToken cancellationToken)
    {
        await commands.DeleteAsync(context.RequestServices, new ChatConnectionUser(Me(context)), id, mid, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<ReactionResponse>> AddReaction(
        HttpContext context, long id, long mid, [FromBody] ReactionRequest request, ChatConnectionCommands commands, CancellationToken cancellationToken)
    {
        var result = await commands.ReactAsync(context.RequestServices, new ChatConnectionUser(Me(context)), id, mid, request.Emoji, on: true, cancellationToken);
        return TypedResults.Ok(new ReactionResponse(result.Emoji, result.Count, Me: true));
    }

    /// <summary><c>DELETE /chat/{id}/messages/{mid}/reactions/{emoji}</c>, the emoji percent-encoded as UTF-8 (routing decodes it).</summary>
    public static async Task<NoContent> RemoveReaction(HttpContext context, long id, long mid, string emoji, ChatConnectionCommands commands, CancellationToken cancellationToken)
    {
        await commands.ReactAsync(context.RequestServices, new ChatConnectionUser(Me(context)), id, mid, emoji, on: false, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<ReactorsResponse>> GetReactors(
        HttpContext context, long id, long mid, string emoji, long? after, int? limit, MessageChangeService changes, CancellationToken cancellationToken)
    {
        var page = await changes.GetReactorsAsync(Me(context), id, mid, emoji, after ?? 0, limit, cancellationToken);
        return TypedResults.Ok(new ReactorsResponse(page.Users.Select(r => new ReactorResponse(r.User.Id, r.User.UserName, WireTime.Format(r.At))).ToArray(), page.HasMore));
    }

    public static async Task<Ok<List<MessageResponse>>> GetPins(HttpContext context, long id, MessageChangeService changes, CancellationToken cancellationToken)
    {
        var pinned = await changes.GetPinnedAsync(Me(context), id, cancellationToken);
        return TypedResults.Ok(pinned.Select(m => MessageResponse.From(m, Links(context), withPin: true)).ToList());
    }

    public static async Task<NoContent> Pin(HttpContext context, long id, [FromBody] PinRequest request, ChatConnectionCommands commands, CancellationToken cancellationToken)
    {
        if (request.Id is not { } messageId)
        {
            // Naming no message is a malformed request (400, as POST /chat/ without a user name is); naming one not there is 404.
            throw new ChatException(ChatErrorKind.Validation, ChatErrorCodes.MessageNotFound, "id, the message to pin, is required.");
        }

        await commands.PinAsync(context.RequestServices, new ChatConnectionUser(Me(context)), id, messageId, pinned: true, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> Unpin(HttpContext context, long id, long mid, ChatConnectionCommands commands, CancellationToken cancellationToken)
    {
        await commands.PinAsync(context.RequestServices, new ChatConnectionUser(Me(context)), id, mid, pinned: false, cancellationToken);
        return TypedResults.NoContent();
    }

    private static ChatPageQuery Page(long? before, long? around, int? limit, bool? markRead) =>
        new() { Before = before, Around = around, Limit = limit, MarkRead = markRead ?? true };

    private static bool TryParseOptional(string? text, out long? value)
    {
        value = null;
        if (text is null)
        {
            return true;
        }

        if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
        {
            return false;
        }

        value = parsed;
        return true;
    }

    private static long Me(HttpContext context) => ChatRequestContext.UserId(context);

    private static AttachmentLinks Links(HttpContext context) => context.RequestServices.GetRequiredService<AttachmentLinks>();

    private static GroupResponse ToGroup(GroupView group) => new(
        group.Chat.Id,
        group.Chat.Name ?? string.Empty,
        group.JoinCode,
        group.Members.Select(m => m.User.UserName).ToList(),
        group.Members.Where(m => m.Role >= ChatRole.Admin).Select(m => m.User.UserName).ToList(),
        OwnerName(group.Members),
        LastMessage: null,
        Unread: 0,
        WireTime.Format(group.Chat.CreatedAt),
        group.Seq,
        NotifyLevels.Name(group.Notifications.Level),
        WireTime.Format(group.Notifications.MutedUntil),
        MutedMemberResponse.From(group.Muted));

    private static ChatDetailResponse ToDetail(ChatDetail detail, long me, AttachmentLinks links, bool includeGroup) => new()
    {
        Id = detail.Chat.Id,
        ChatName = detail.Title,
        Messages = detail.Messages.Select(m => MessageResponse.From(m, links)).ToList(),
        MyId = me,
        IsOnline = detail.IsOnline,
        LastSeen = WireTime.Format(detail.LastSeen),
        HasMore = detail.HasMore,
        HasNewer = detail.HasNewer,
        Seq = detail.Seq,
        NotifyLevel = NotifyLevels.Name(detail.Notifications.Level),
        MutedUntil = WireTime.Format(detail.Notifications.MutedUntil),
        Members = includeGroup ? detail.Members.Select(m => m.User.UserName).ToList() : null,
        Admins = includeGroup ? detail.Members.Where(m => m.Role >= ChatRole.Admin).Select(m => m.User.UserName).ToList() : null,
        Code = includeGroup ? detail.JoinCode : null,
        Owner = includeGroup ? OwnerName(detail.Members) : null,
        Blocked = detail.Chat.Kind == ChatKind.Private ? detail.Blocked : null,
        Muted = detail.Chat.Kind == ChatKind.Group ? MutedMemberResponse.From(detail.Muted) : null,
    };

    private static string? OwnerName(IEnumerable<ChatMemberView> members) => members.FirstOrDefault(m => m.Role == ChatRole.Owner)?.User.UserName;
}
