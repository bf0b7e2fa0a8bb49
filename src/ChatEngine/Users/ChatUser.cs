namespace ChatEngine;

/// <summary>A user as the chat sees them. The host owns its users; ChatEngine only reads them.</summary>
/// <param name="Id">The user's numeric id (a JSON number on the wire).</param>
/// <param name="UserName">The unique login name shown to other users.</param>
/// <param name="DisplayName">An optional friendlier name.</param>
public sealed record ChatUser(long Id, string UserName, string? DisplayName = null);
