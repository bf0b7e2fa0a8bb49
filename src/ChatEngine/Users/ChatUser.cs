namespace ChatEngine;

/// <summary>A user as the chat sees them. The host owns its users; ChatEngine only reads them.</summary>
/// <param name="Id">The user's numeric id (a JSON number on the wire).</param>
/// <param name="UserName">
/// The public handle: unique, shown to other users, searched, and how others start a chat with the user
/// (the wire's <c>username</c>). Not necessarily the login name: an app whose login names are e-mail
/// addresses maps a handle of its own here, so addresses are not shown to strangers.
/// </param>
/// <param name="DisplayName">An optional friendlier name.</param>
public sealed record ChatUser(long Id, string UserName, string? DisplayName = null);
