namespace ChatEngine;

/// <summary>A typed failure of a chat operation.</summary>
public sealed class ChatException : Exception
{
    /// <summary>Creates a failure.</summary>
    /// <param name="kind">What kind of failure it is.</param>
    /// <param name="code">A stable, machine-readable code such as <c>text_too_long</c>.</param>
    /// <param name="detail">A sentence for people.</param>
    /// <param name="innerException">The cause, if any.</param>
    public ChatException(ChatErrorKind kind, string code, string detail, Exception? innerException = null)
        : base(detail, innerException)
    {
        Kind = kind;
        Code = code;
    }

    /// <summary>What kind of failure it is.</summary>
    public ChatErrorKind Kind { get; }

    /// <summary>A stable, machine-readable code.</summary>
    public string Code { get; }

    /// <summary>Values the failure is about, such as the unknown user names of a new group.</summary>
    public IReadOnlyList<string> Items { get; init; } = [];

    /// <summary>For a mute or a ban: when it ends (<see langword="null"/> for good, or when not about one).</summary>
    public DateTimeOffset? Until { get; init; }
}
