namespace ChatEngine.AspNetCore;

/// <summary>The paths <c>MapChatEndpoints()</c> maps, relative to its group.</summary>
public static class ChatEndpointPaths
{
    /// <summary>The SignalR hub's path.</summary>
    public const string Hub = "/hubs/chat";
}
