namespace ChatEngine.AspNetCore;

/// <summary>What a broadcast tells the chat's connections.</summary>
public enum BroadcastKind : byte
{
    /// <summary>A new message (numbered).</summary>
    Message = 1,

    /// <summary>A member's read position moved.</summary>
    Read = 2,

    /// <summary>A member is typing.</summary>
    Typing = 3,

    /// <summary>A user came online or went offline (<see cref="ChatBroadcast.UserId"/>); never sent to that user.</summary>
    Status = 4,

    /// <summary>A numbered change other than a message: for v2 connections only.</summary>
    Change = 6,

    /// <summary>A change that removed a member (<see cref="ChatBroadcast.UserId"/>): their connections close after it.</summary>
    MemberRemoved = 7,

    /// <summary>The chat was deleted: every connection closes after it.</summary>
    ChatDeleted = 8,

    /// <summary>A user changed their notification settings for the chat (<see cref="ChatBroadcast.UserId"/>): for that user's streams alone.</summary>
    Notifications = 9,

    /// <summary>What a user (<see cref="ChatBroadcast.UserId"/>) blocks now, for every host's filter; no connection gets it.</summary>
    Blocks = 10,

    /// <summary>A report of a message in the chat, for one of its admins (<see cref="ChatBroadcast.UserId"/>): for that user's streams alone.</summary>
    Report = 11,

    /// <summary>A user's sign-ins ended (<see cref="ChatBroadcast.UserId"/>): every connection of theirs closes; no connection gets a frame.</summary>
    SessionsEnded = 12,
}

/// <summary>
/// One event for the connections of one or more chats, already serialized to its wire frame, so it
/// is serialized once and the same bytes go to every connection on every host. A relay carries it
/// between hosts as it is (see <see cref="IChatBroadcastRelay"/>).
/// </summary>
/// <param name="Kind">What it tells.</param>
/// <param name="ChatIds">The chats whose connections get it.</param>
/// <param name="Frame">The wire frame (UTF-8 JSON).</param>
/// <param name="EventName">The SignalR method name (the frame's type).</param>
/// <param name="Seq">For a message or another change, its number in the chat's log (0 when the store keeps none).</param>
/// <param name="MessageId">For a message, its id.</param>
/// <param name="UserId">
/// For a removal, the member removed; for a status, the user it is about (who is not sent their own);
/// for a read, the reader; for notification settings, whose they are; for sessions ended, whose.
/// </param>
#pragma warning disable CA1819 // The frame's bytes are handed on as they are, never copied.
public sealed record ChatBroadcast(BroadcastKind Kind, long[] ChatIds, byte[] Frame, string EventName, long Seq = 0, long MessageId = 0, long? UserId = null)
#pragma warning restore CA1819
{
    /// <summary>For a read: whether its chat is a private one (where a block hides the reader's reads).</summary>
    public bool PrivateChat { get; init; }

    /// <summary>Whether it is a numbered change other than a message, which v1 sockets never get.</summary>
    public bool IsChange => Kind is BroadcastKind.Change or BroadcastKind.MemberRemoved or BroadcastKind.ChatDeleted;

    /// <summary>Whether it goes through the chat's ordering: messages and other changes, once numbered.</summary>
    public bool IsNumbered => Seq > 0 && (Kind == BroadcastKind.Message || IsChange);
}

/// <summary>
/// Carries this host's broadcasts to the other hosts (ChatEngine.Redis implements it over Redis
/// pub/sub); broadcasts from other hosts are handed to <see cref="ChatBroadcaster.Deliver"/>. A single
/// host has none. Publishing never waits and never fails the caller: a broadcast that is lost is read
/// from the store when the gap shows, or when the relay calls <see cref="ChatBroadcaster.CatchUpAsync"/>
/// after an outage.
/// </summary>
public interface IChatBroadcastRelay
{
    /// <summary>Sends a broadcast of this host to the others, without waiting.</summary>
    void Publish(ChatBroadcast broadcast);
}

internal sealed class NoChatBroadcastRelay : IChatBroadcastRelay
{
    public void Publish(ChatBroadcast broadcast)
    {
    }
}
