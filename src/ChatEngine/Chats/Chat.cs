namespace ChatEngine;

/// <summary>Whether a chat is between two users or a named group.</summary>
public enum ChatKind
{
    /// <summary>Exactly two users; one chat per pair.</summary>
    Private = 0,

    /// <summary>A named group with roles and a join code.</summary>
    Group = 1,
}

/// <summary>A chat as stored.</summary>
public sealed record Chat
{
    /// <summary>The chat's id (a JSON number on the wire).</summary>
    public required long Id { get; init; }

    /// <summary>Private or group.</summary>
    public required ChatKind Kind { get; init; }

    /// <summary>The group's name; <see langword="null"/> for private chats.</summary>
    public string? Name { get; init; }

    /// <summary>The group's join code; <see langword="null"/> when revoked or for private chats.</summary>
    public string? JoinCode { get; init; }

    /// <summary>For a private chat, the pair of users (lower id first); it identifies the chat uniquely.</summary>
    public PrivatePair? Pair { get; init; }

    /// <summary>When the chat was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The sequence number of the newest message; 0 when there is none. It only grows.</summary>
    public long LastSequence { get; init; }

    /// <summary>
    /// The number of the chat's newest change (see <see cref="IChatChangeLog"/>); 0 when there is none.
    /// It only grows. A store without a change log leaves it 0 and the engine uses <see cref="LastSequence"/>.
    /// </summary>
    public long Seq { get; init; }
}

/// <summary>The two users of a private chat, the lower id first, so one pair has one key.</summary>
public readonly record struct PrivatePair
{
    /// <summary>Orders the two ids.</summary>
    public PrivatePair(long userA, long userB)
    {
        LowUserId = Math.Min(userA, userB);
        HighUserId = Math.Max(userA, userB);
    }

    /// <summary>The lower user id.</summary>
    public long LowUserId { get; }

    /// <summary>The higher user id.</summary>
    public long HighUserId { get; }

    /// <summary>The member that is not <paramref name="userId"/>.</summary>
    public long OtherThan(long userId) => userId == LowUserId ? HighUserId : LowUserId;
}
