using ChatEngine;
using ChatEngine.AspNetCore;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps ChatEngine's routes.</summary>
public static class ChatEngineEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the contract's REST routes, the <c>ws/chat/{id}/</c>, <c>ws/user/</c> and <c>ws/file/{id}/</c> WebSockets, the
    /// SignalR hub at <c>/hubs/chat</c> and the chat pages <c>/home/</c> and <c>/chat-web/{id}</c>, into a
    /// group the host can extend:
    /// <c>app.MapGroup("/x").MapChatEndpoints().RequireAuthorization().RequireRateLimiting("chat")</c>.
    /// Every route answers 401 to anonymous callers and 404 for chats the caller is not a member of.
    /// </summary>
    public static RouteGroupBuilder MapChatEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<ChatConnectionRegistry>() is null)
        {
            throw new InvalidOperationException(
                "MapChatEndpoints() needs ChatEngine's services: call builder.Services.AddChatEngine() (from ChatEngine.AspNetCore) with a store and a user directory first.");
        }

        var group = endpoints.MapGroup("");
        var api = group.MapGroup("").AddEndpointFilter(ChatProblems.FilterAsync).WithTags("Chat")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        ((IEndpointConventionBuilder)api).Add(endpoint => endpoint.RequestDelegate = UnreadableRequests.Explain(endpoint.RequestDelegate!));

        api.MapGet("/chat/", ChatApiHandlers.ListChats).WithName("ListChats").WithSummary("The caller's private chats, newest activity first.");
        api.MapPost("/chat/", ChatApiHandlers.StartChat).WithName("StartChat").WithSummary("Starts (or returns) the private chat with a user.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/chat/{id:long}", ChatApiHandlers.GetChat).WithName("GetChat").WithSummary("A page of a chat's history: the newest, before a message id, or around one; the newest page marks it read unless mark_read=false.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/chat/{id:long}/changes", ChatApiHandlers.GetChanges).WithName("GetChatChanges")
            .WithSummary("Every change of a chat after after_seq, in order (limited: reload instead).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        // Messages that change (contract v2, section 2): their writes take from the send bucket.
        var messages = api.MapGroup("").WithMetadata(OwnRateLimitMetadata.Instance);
        messages.MapPost("/chat/{id:long}/messages", ChatApiHandlers.SendMessage).WithName("SendMessage")
            .WithSummary("Sends a message (a reply with reply_to); a repeated client_id gets 200 and the first message.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests);
        messages.MapGet("/chat/{id:long}/messages/{mid:long}", ChatApiHandlers.GetMessage).WithName("GetMessage").WithSummary("One message of a chat.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        messages.MapPatch("/chat/{id:long}/messages/{mid:long}", ChatApiHandlers.EditMessage).WithName("EditMessage").WithSummary("Edits the caller's message.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        messages.MapDelete("/chat/{id:long}/messages/{mid:long}", ChatApiHandlers.DeleteMessage).WithName("DeleteMessage")
            .WithSummary("Deletes a message (its author; any message of a group for its admins); it stays as a tombstone.")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        messages.MapPost("/chat/{id:long}/messages/{mid:long}/reactions", ChatApiHandlers.AddReaction).WithName("AddReaction").WithSummary("Adds the caller's reaction to a message.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        messages.MapDelete("/chat/{id:long}/messages/{mid:long}/reactions/{emoji}", ChatApiHandlers.RemoveReaction).WithName("RemoveReaction")
            .WithSummary("Removes the caller's reaction (the emoji percent-encoded as UTF-8).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        messages.MapGet("/chat/{id:long}/messages/{mid:long}/reactions/{emoji}", ChatApiHandlers.GetReactors).WithName("GetReactors")
            .WithSummary("The users who reacted with an emoji, in user id order (after, limit).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        messages.MapGet("/chat/{id:long}/pins", ChatApiHandlers.GetPins).WithName("GetPins").WithSummary("A chat's pinned messages, the newest pin first.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        messages.MapPost("/chat/{id:long}/pins", ChatApiHandlers.Pin).WithName("PinMessage").WithSummary("Pins a message (group admins; either member of a private chat).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        messages.MapDelete("/chat/{id:long}/pins/{mid:long}", ChatApiHandlers.Unpin).WithName("UnpinMessage").WithSummary("Unpins a message.")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/chat/{id:long}/notifications", NotificationHandlers.Get).WithName("GetNotificationSettings")
            .WithSummary("The caller's notification level and mute for a chat.").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPut("/chat/{id:long}/notifications", NotificationHandlers.Put).WithName("SetNotificationSettings")
            .WithSummary("Sets the caller's notification level (all, mentions, none) and mute (a future time, or null) for a chat.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        // Stored attachments (contract v2, section 3): uploads count against a bucket of their own.
        api.MapPost("/chat/{id:long}/attachments", AttachmentHandlers.Upload).WithName("UploadAttachment").WithMetadata(OwnRateLimitMetadata.Instance)
            .WithSummary("Uploads one file (multipart/form-data, part 'file') as a pending attachment a message of the caller's can carry.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapGet("/chat/{id:long}/attachments/{aid}", AttachmentHandlers.Download).WithName(AttachmentLinks.DownloadRouteName)
            .WithSummary("An attachment's bytes (members of its chat; a pending one for its uploader only); ranges answered with 206.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/chat/{id:long}/attachments/{aid}/thumb", AttachmentHandlers.Thumbnail).WithName("DownloadAttachmentThumbnail")
            .WithSummary("An image attachment's thumbnail.").ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/sync/", SyncHandlers.Get).WithName("Sync")
            .WithSummary("Everything that changed across the caller's chats since a cursor, and the next cursor; without one, a first cursor (limited).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapPost("/sync/", SyncHandlers.Post).WithName("SyncByPost").WithMetadata(OwnRateLimitMetadata.Instance)
            .WithSummary("As GET /sync/, for a cursor too long for a URL: {since, limit}.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapGet("/push/vapid-key/", PushHandlers.VapidKey).WithName("GetVapidKey").WithSummary("The key browsers subscribe to Web Push with (404 push_not_configured without one).");
        api.MapGet("/push/subscriptions/", PushHandlers.List).WithName("ListPushSubscriptions").WithSummary("The caller's push subscriptions.");
        api.MapPost("/push/subscriptions/", PushHandlers.Subscribe).WithName("SubscribeToPush")
            .WithSummary("Adds a device to push to (the same endpoint again updates its keys).").ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapDelete("/push/subscriptions/{id:long}", PushHandlers.Unsubscribe).WithName("UnsubscribeFromPush").WithSummary("Removes one of the caller's push subscriptions.");
        api.MapGet("/group/", ChatApiHandlers.ListGroups).WithName("ListGroups").WithSummary("The caller's groups, newest activity first.");
        api.MapPost("/group/", ChatApiHandlers.CreateGroup).WithName("CreateGroup").WithSummary("Creates a group; the caller becomes its owner.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/group/{id:long}", ChatApiHandlers.GetGroup).WithName("GetGroup").WithSummary("A group's history page, members, admins and (for admins) join code.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPatch("/group/{id:long}", ChatApiHandlers.RenameGroup).WithName("RenameGroup").WithSummary("Renames a group (admins).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/group/{id:long}", ChatApiHandlers.DeleteGroup).WithName("DeleteGroup").WithSummary("Deletes a group and its history (its owner only).")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/group/{id:long}/members", ChatApiHandlers.AddMembers).WithName("AddGroupMembers").WithSummary("Adds users to a group (admins).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/group/{id:long}/members/{username}", ChatApiHandlers.RemoveMember).WithName("RemoveGroupMember").WithSummary("Removes a member (admins; not the owner).")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/group/{id:long}/admins", ChatApiHandlers.PromoteMember).WithName("PromoteGroupMember").WithSummary("Makes a member an admin (admins).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/group/{id:long}/admins/{username}", ChatApiHandlers.DemoteAdmin).WithName("DemoteGroupAdmin").WithSummary("Makes an admin a plain member (admins; not the owner).")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/group/{id:long}/code", ChatApiHandlers.RegenerateJoinCode).WithName("RegenerateJoinCode").WithSummary("Replaces the join code (admins).")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/group/{id:long}/code", ChatApiHandlers.RevokeJoinCode).WithName("RevokeJoinCode").WithSummary("Revokes the join code (admins).")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/group/{id:long}/leave", ChatApiHandlers.LeaveGroup).WithName("LeaveGroup").WithSummary("Leaves a group.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        // Blocks, moderation and reports (contract v2, section 6).
        api.MapGet("/me/blocks/", ModerationHandlers.ListBlocks).WithName("ListBlocks").WithSummary("The users the caller blocked.");
        api.MapPost("/me/blocks/", ModerationHandlers.Block).WithName("BlockUser").WithSummary("Blocks a user (again is harmless).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/me/blocks/{username}", ModerationHandlers.Unblock).WithName("UnblockUser").WithSummary("Lifts the caller's block of a user.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/group/{id:long}/mutes", ModerationHandlers.Mute).WithName("MuteGroupMember")
            .WithSummary("Mutes a member until a time, or for good (admins; not the owner); again replaces the end.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/group/{id:long}/mutes/{username}", ModerationHandlers.Unmute).WithName("UnmuteGroupMember").WithSummary("Lifts a member's mute (admins).")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/group/{id:long}/bans", ModerationHandlers.Ban).WithName("BanFromGroup")
            .WithSummary("Bans a user, member or not, until a time or for good (admins; not the owner): a member is removed.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/group/{id:long}/bans", ModerationHandlers.ListBans).WithName("ListGroupBans").WithSummary("The group's bans that hold (admins).")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/group/{id:long}/bans/{username}", ModerationHandlers.Unban).WithName("LiftGroupBan").WithSummary("Lifts a ban (admins).")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/chat/{id:long}/messages/{mid:long}/report", ModerationHandlers.Report).WithName("ReportMessage")
            .WithSummary("Reports someone's message to the group's admins and the host (the same reporter again gets the same id).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapGet("/group/{id:long}/reports", ModerationHandlers.ListReports).WithName("ListGroupReports").WithSummary("The group's open reports, newest first (admins).")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/group/{id:long}/reports/{rid:long}", ModerationHandlers.ResolveReport).WithName("ResolveGroupReport").WithSummary("Resolves an open report (admins).")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);

        // Data rights (contract v2, section 6).
        api.MapGet("/me/export", PrivacyHandlers.Export).WithName("ExportMyData")
            .WithSummary("Everything ChatEngine holds about the caller, as a JSON file (their own messages only).")
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapDelete("/me", PrivacyHandlers.DeleteMe).WithName("DeleteMe")
            .WithSummary("Erases the caller's chat data, then the host deletes their account ({confirm: own username, and what the host asks}); 404 when the host deletes no accounts.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/search/messages/", SearchHandlers.SearchMessages).WithName("SearchMessages")
            .WithSummary("The caller's messages that match q (every word; \"phrases\"; the last word as a prefix), newest first or by relevance, with snippets and highlights.")
            .Produces<MessageSearchResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests);
        api.MapGet("/search/", ChatApiHandlers.SearchUsers).WithName("SearchUsers").WithSummary("Users whose name contains q (case-insensitive), at most 20.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapPost("/group-join/", ChatApiHandlers.JoinGroup).WithName("JoinGroup").WithSummary("Joins a group by its code.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        group.Map("/ws/chat/{id:long}/", ChatWebSocketEndpoint.HandleAsync).WithName("ChatSocket").ExcludeFromDescription();
        group.Map("/ws/user/", UserWebSocketEndpoint.HandleAsync).WithName("UserSocket").ExcludeFromDescription();
        group.Map("/ws/file/{id:long}/", FileWebSocketEndpoint.HandleAsync).WithName("FileSocket").ExcludeFromDescription();
        group.MapHub<ChatHub>(ChatEndpointPaths.Hub).Add(endpoint => endpoint.RequestDelegate = HubAdmission.Guard(endpoint.RequestDelegate!));

        var pages = group.MapGroup("").ExcludeFromDescription().AddEndpointFilter(ChatSecurityHeaders.FilterAsync);
        pages.MapGet("/home/", ChatPageHandlers.Home).WithName("HomePage");
        pages.MapGet("/chat-web/{id:long}", ChatPageHandlers.Chat).WithName("ChatPage");
        // Browsers fetch a manifest without credentials: it says only the app's name and where chat starts.
        pages.MapGet("/manifest.webmanifest", ChatPageHandlers.Manifest).WithName("ChatManifest").AllowAnonymous();
        pages.MapGet("/chatengine-sw.js", ChatPageHandlers.ServiceWorker).WithName("ChatServiceWorker").AllowAnonymous();
        return group;
    }
}
