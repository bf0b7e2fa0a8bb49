namespace ChatEngine.EntityFrameworkCore;

/// <summary>Table names, shared by the model and the hand-written SQL of the send path.</summary>
internal static class ChatTables
{
    public const string Chats = "ChatEngineChats";
    public const string Members = "ChatEngineMembers";
    public const string Bars = "ChatEngineBars";
    public const string Messages = "ChatEngineMessages";
    public const string Changes = "ChatEngineChanges";
    public const string ReadMarks = "ChatEngineReadMarks";
    public const string LastSeen = "ChatEngineLastSeen";
    public const string UserKeys = "ChatEngineUserKeys";
    public const string Handles = "ChatEngineHandles";
    public const string Reactions = "ChatEngineReactions";
    public const string Attachments = "ChatEngineAttachments";
    public const string Mentions = "ChatEngineMentions";
    public const string Outbox = "ChatEngineOutbox";
    public const string PushSubscriptions = "ChatEnginePushSubscriptions";
    public const string Blocks = "ChatEngineBlocks";
    public const string Bans = "ChatEngineBans";
    public const string Reports = "ChatEngineReports";
}
