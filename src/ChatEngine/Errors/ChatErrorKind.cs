namespace ChatEngine;

/// <summary>What kind of failure a <see cref="ChatException"/> reports, so transports map it without string matching.</summary>
public enum ChatErrorKind
{
    /// <summary>The input is invalid (HTTP 400).</summary>
    Validation,

    /// <summary>The thing does not exist, or the caller may not know it exists (HTTP 404).</summary>
    NotFound,

    /// <summary>The caller is known to the chat but lacks the right (HTTP 403).</summary>
    Forbidden,

    /// <summary>The operation conflicts with the current state (HTTP 409).</summary>
    Conflict,

    /// <summary>The caller is going too fast; nothing was done (HTTP 429).</summary>
    RateLimited,

    /// <summary>The request's body is larger than allowed (HTTP 413).</summary>
    TooLarge,

    /// <summary>The store could not complete the operation; nothing was acknowledged (HTTP 503).</summary>
    Unavailable,
}
