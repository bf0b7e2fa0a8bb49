namespace ChatEngine.AspNetCore;

/// <summary>What a broadcast tells the chat's connections.</summary>
internal enum BroadcastKind : byte
{
    Message = 1,
    Read = 2,
    Typing = 3,
    Status = 4,

    /// <summary>A member was removed (<see cref="ChatBroadcast.UserId"/>) or the chat deleted (no user): their connections close.</summary>
    Removed = 5,
}

/// <summary>
/// One event for the connections of one or more chats, already serialized to its wire frame, so it
/// is serialized once and the same bytes go to every socket on every host.
/// </summary>
internal sealed record ChatBroadcast(BroadcastKind Kind, long[] ChatIds, byte[] Frame, long Sequence = 0, long MessageId = 0, long? UserId = null)
{
    /// <summary>The SignalR method name of the event.</summary>
    public string EventName => Kind switch
    {
        BroadcastKind.Message => "message",
        BroadcastKind.Read => "read",
        BroadcastKind.Typing => "typing",
        BroadcastKind.Status => "status",
        _ => "",
    };
}

/// <summary>
/// Carries broadcasts to the other hosts. A single host has none; with scale-out on, Redis pub/sub.
/// Publishing never waits and never fails the caller: a lost broadcast is read from the store later.
/// </summary>
internal interface IChatBroadcastRelay
{
    void Publish(ChatBroadcast broadcast);
}

internal sealed class NoChatBroadcastRelay : IChatBroadcastRelay
{
    public void Publish(ChatBroadcast broadcast)
    {
    }
}
