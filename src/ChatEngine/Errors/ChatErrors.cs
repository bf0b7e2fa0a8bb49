namespace ChatEngine;

/// <summary>The stable error codes of ChatEngine's operations.</summary>
public static class ChatErrorCodes
{
    /// <summary>The chat does not exist or the caller is not a member.</summary>
    public const string ChatNotFound = "chat_not_found";
    /// <summary>The user does not exist.</summary>
    public const string UserNotFound = "user_not_found";
    /// <summary>The message does not exist in that chat.</summary>
    public const string MessageNotFound = "message_not_found";
    /// <summary>A private chat with oneself was asked for.</summary>
    public const string SelfChat = "self_chat";
    /// <summary>The message text is empty after trimming.</summary>
    public const string EmptyText = "empty_text";
    /// <summary>The message text is longer than allowed.</summary>
    public const string TextTooLong = "text_too_long";
    /// <summary>
    /// The text holds characters nothing may store (C0 controls other than tab and line breaks,
    /// U+FFFE, U+FFFF, unpaired surrogates), a message shows nothing, or a name is invisible or
    /// carries bidi controls.
    /// </summary>
    public const string InvalidText = "invalid_text";
    /// <summary>The client message id is longer than allowed.</summary>
    public const string ClientIdTooLong = "client_id_too_long";
    /// <summary>The group name is empty or too long.</summary>
    public const string InvalidGroupName = "invalid_group_name";
    /// <summary>Some user names are unknown.</summary>
    public const string UnknownUsers = "unknown_users";
    /// <summary>The group would have more members than allowed.</summary>
    public const string TooManyMembers = "too_many_members";
    /// <summary>No join code was given.</summary>
    public const string JoinCodeRequired = "group_code_required";
    /// <summary>The join code matches no group.</summary>
    public const string GroupNotFound = "group_not_found";
    /// <summary>An admin removed the caller from the group: only an admin adding them again lets them back in.</summary>
    public const string Removed = "removed";
    /// <summary>The operation needs an administrator of the group.</summary>
    public const string NotAdmin = "not_admin";
    /// <summary>The operation needs the group's owner (deleting the group).</summary>
    public const string NotOwner = "not_owner";
    /// <summary>The operation cannot target the group's owner.</summary>
    public const string OwnerProtected = "owner_protected";
    /// <summary>The operation applies to groups only.</summary>
    public const string NotAGroup = "not_a_group";
    /// <summary>A page size or cursor is out of range.</summary>
    public const string InvalidPaging = "invalid_paging";
    /// <summary>The search term is missing.</summary>
    public const string SearchTermRequired = "search_term_required";
    /// <summary>A unique value is already taken.</summary>
    public const string Duplicate = "duplicate";
    /// <summary>The caller is going too fast; the operation was not done (HTTP 429).</summary>
    public const string RateLimited = "rate_limited";
    /// <summary>A socket frame, or a request's body, is not valid JSON (or not of the shape it must have).</summary>
    public const string InvalidJson = "invalid_json";
    /// <summary>A request's query value is not of its type (a number, say), so the route could not read it.</summary>
    public const string InvalidRequest = "invalid_request";
    /// <summary>A socket frame lacks what its type needs.</summary>
    public const string InvalidFrame = "invalid_frame";
    /// <summary>A socket frame's type is not one the socket takes.</summary>
    public const string UnknownType = "unknown_type";
    /// <summary>A chat socket frame is larger than allowed.</summary>
    public const string FrameTooLarge = "frame_too_large";
    /// <summary>A binary frame came where JSON text frames are expected.</summary>
    public const string UnsupportedFrame = "unsupported_frame";
    /// <summary>Nobody else in the chat is online to receive a relayed file.</summary>
    public const string RecipientOffline = "recipient_offline";
    /// <summary>A file is larger than allowed.</summary>
    public const string FileTooLarge = "file_too_large";
    /// <summary>A relayed file's data is not base64.</summary>
    public const string InvalidFile = "invalid_file";
    /// <summary>The user has as many file sockets open as allowed.</summary>
    public const string TooManyFileSockets = "too_many_file_sockets";
    /// <summary>A cookie-authenticated change came without a valid anti-forgery token.</summary>
    public const string AntiforgeryFailed = "antiforgery_failed";
    /// <summary>The caller is signed in, but the app maps their account to no chat user id (a misconfiguration).</summary>
    public const string ChatUserUnresolved = "chat_user_unresolved";
    /// <summary>The store failed; the operation was not acknowledged.</summary>
    public const string StoreUnavailable = "store_unavailable";
    /// <summary>Only the message's author may do this (edit it; delete it, unless an admin of a group).</summary>
    public const string NotAuthor = "not_author";
    /// <summary>The message is older than the edit window allows.</summary>
    public const string EditWindowClosed = "edit_window_closed";
    /// <summary>Editing messages is turned off.</summary>
    public const string EditingDisabled = "editing_disabled";
    /// <summary>The message is older than the delete window allows.</summary>
    public const string DeleteWindowClosed = "delete_window_closed";
    /// <summary>Deleting messages is turned off.</summary>
    public const string DeletingDisabled = "deleting_disabled";
    /// <summary>The message was deleted: it cannot be edited, reacted to, pinned or quoted (HTTP 409).</summary>
    public const string MessageDeleted = "message_deleted";
    /// <summary>The reaction is not one emoji or <c>:name:</c>, or not one the app allows.</summary>
    public const string InvalidEmoji = "invalid_emoji";
    /// <summary>The user has as many reactions on the message as allowed, or the message has as many distinct ones.</summary>
    public const string TooManyReactions = "too_many_reactions";
    /// <summary>The chat has as many pinned messages as allowed.</summary>
    public const string TooManyPins = "too_many_pins";
    /// <summary>A message names an attachment that is not the sender's pending upload in that chat.</summary>
    public const string InvalidAttachment = "invalid_attachment";

    /// <summary>A message names more attachments than <see cref="ChatAttachmentOptions.MaxPerMessage"/>.</summary>
    public const string TooManyAttachments = "too_many_attachments";

    /// <summary>An upload is not a multipart body with one file part named <c>file</c>.</summary>
    public const string InvalidUpload = "invalid_upload";

    /// <summary>An upload's bytes say it is an image that cannot be decoded.</summary>
    public const string InvalidImage = "invalid_image";

    /// <summary>The host's <see cref="IAttachmentScanner"/> refused an upload.</summary>
    public const string AttachmentRefused = "attachment_refused";

    /// <summary>An upload would take the user past their storage quota or their number of pending uploads.</summary>
    public const string QuotaExceeded = "quota_exceeded";

    /// <summary>No such attachment in that chat (or a pending one of someone else).</summary>
    public const string AttachmentNotFound = "attachment_not_found";

    /// <summary>A notification level other than <c>all</c>, <c>mentions</c> or <c>none</c>.</summary>
    public const string InvalidLevel = "invalid_level";

    /// <summary>A time that is malformed, or not in the future where one must be (a mute's end).</summary>
    public const string InvalidTime = "invalid_time";

    /// <summary>A sync cursor that is malformed or was altered.</summary>
    public const string InvalidCursor = "invalid_cursor";

    /// <summary>A push endpoint that is not https, too long, or on a push service the server does not allow.</summary>
    public const string InvalidEndpoint = "invalid_endpoint";

    /// <summary>Web Push keys that are not a P-256 public key and a 16-byte secret.</summary>
    public const string InvalidKeys = "invalid_keys";

    /// <summary>A push kind the server cannot send to (FCM and APNs need the host's sender).</summary>
    public const string UnsupportedPushKind = "unsupported_push_kind";

    /// <summary>The server has no way to push (no VAPID keys, no host sender).</summary>
    public const string PushNotConfigured = "push_not_configured";

    /// <summary>No such push subscription of the caller.</summary>
    public const string SubscriptionNotFound = "subscription_not_found";

    /// <summary>An admin muted the caller in this group: they cannot send, edit, react, pin or upload until the mute ends.</summary>
    public const string Muted = "muted";

    /// <summary>The user is banned from the group: they cannot rejoin by code or be added until the ban ends.</summary>
    public const string Banned = "banned";

    /// <summary>A block stands between the users (see the contract's blocks).</summary>
    public const string Blocked = "blocked";

    /// <summary>The other member of a private chat erased their chat data: nothing more can be sent there.</summary>
    public const string UserErased = "user_erased";

    /// <summary>Blocking, muting, banning or reporting oneself or one's own message.</summary>
    public const string SelfTarget = "self_target";

    /// <summary>The user has blocked as many users as allowed.</summary>
    public const string TooManyBlocks = "too_many_blocks";

    /// <summary>A report's reason is not <c>spam</c>, <c>abuse</c>, <c>inappropriate</c> or <c>other</c>.</summary>
    public const string InvalidReason = "invalid_reason";

    /// <summary>No open report with that id in the chat.</summary>
    public const string ReportNotFound = "report_not_found";

    /// <summary>A message search that is too long, or has no word of 2 characters or more.</summary>
    public const string InvalidQuery = "invalid_query";

    /// <summary><c>DELETE /me</c> without <c>confirm</c> set to the caller's own user name.</summary>
    public const string ConfirmationRequired = "confirmation_required";

    /// <summary>The host's re-authentication before deleting an account failed (the reference host: a wrong password).</summary>
    public const string InvalidPassword = "invalid_password";
}

internal static class ChatErrors
{
    public static ChatException ChatNotFound() =>
        new(ChatErrorKind.NotFound, ChatErrorCodes.ChatNotFound, "Chat not found.");

    public static ChatException UserNotFound() =>
        new(ChatErrorKind.NotFound, ChatErrorCodes.UserNotFound, "User not found.");

    public static ChatException MessageNotFound() =>
        new(ChatErrorKind.NotFound, ChatErrorCodes.MessageNotFound, "Message not found in this chat.");

    public static ChatException NotAdmin() =>
        new(ChatErrorKind.Forbidden, ChatErrorCodes.NotAdmin, "Only group admins can do this.");

    public static ChatException NotAGroup() =>
        new(ChatErrorKind.Validation, ChatErrorCodes.NotAGroup, "This operation applies to group chats only.");

    public static ChatException InvalidText(string what) =>
        new(ChatErrorKind.Validation, ChatErrorCodes.InvalidText, $"{what} holds characters that are not allowed (control characters, bidi overrides) or shows nothing.");

    public static ChatException Validation(string code, string detail) =>
        new(ChatErrorKind.Validation, code, detail);

    public static ChatException Forbidden(string code, string detail) =>
        new(ChatErrorKind.Forbidden, code, detail);

    public static ChatException Muted(DateTimeOffset? until) =>
        new(ChatErrorKind.Forbidden, ChatErrorCodes.Muted, "An admin muted you in this group.") { Until = until };

    public static ChatException Blocked(IReadOnlyList<string>? userNames = null) =>
        new(ChatErrorKind.Forbidden, ChatErrorCodes.Blocked, userNames is { Count: > 0 } ? $"These users blocked you: {string.Join(", ", userNames)}." : "A block stands between you and this user.") { Items = userNames ?? [] };

    public static ChatException UserErased() =>
        new(ChatErrorKind.Forbidden, ChatErrorCodes.UserErased, "The other user erased their data: nothing more can be sent here.");

    public static ChatException SelfTarget(string detail) =>
        new(ChatErrorKind.Validation, ChatErrorCodes.SelfTarget, detail);

    public static ChatException MessageDeleted() =>
        new(ChatErrorKind.Conflict, ChatErrorCodes.MessageDeleted, "The message was deleted.");
}
