namespace ChatEngine.AspNetCore;

/// <summary>What a broadcast tells the chat's connections.</summary>
internal enum BroadcastKind : byte
{
    Message = 1,
    Read = 2,
    Typing = 3,
    Status = 4,

    /// <summary>A numbered change other than a message: for v2 connections only.</summary>
    Change = 6,

    /// <summary>A change that removed a member (<see cref="ChatBroadcast.UserId"/>): their connections close after it.</summary>
    MemberRemoved = 7,

    /// <summary>The chat was deleted: every connection closes after it.</summary>
    ChatDeleted = 8,
}

/// <summary>
/// One event for the connections of one or more chats, already serialized to its wire frame, so it
/// is serialized once and the same bytes go to every socket on every host.
/// </summary>
/// <param name="Kind">What it tells.</param>
/// <param name="ChatIds">The chats whose connections get it.</param>
/// <param name="Frame">The wire frame.</param>
/// <param name="Seq">For a message or another change, its number in the chat's log (0 when the store keeps none).</param>
/// <param name="MessageId">For a message, its id.</param>
/// <param name="UserId">For a removal, the member removed; for a status, the user it is about (who is not sent their own).</param>
/// <param name="EventName">The SignalR method name (the frame's type).</param>
internal sealed record ChatBroadcast(BroadcastKind Kind, long[] ChatIds, byte[] Frame, string EventName, long Seq = 0, long MessageId = 0, long? UserId = null)
{
    /// <summary>Whether it is a numbered change other than a message, which v1 sockets never get.</summary>
    public bool IsChange => Kind is BroadcastKind.Change or BroadcastKind.MemberRemoved or BroadcastKind.ChatDeleted;

    /// <summary>Whether it goes through the chat's ordering: messages and other changes, once numbered.</summary>
    public bool IsNumbered => Seq > 0 && (Kind == BroadcastKind.Message || IsChange);
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
