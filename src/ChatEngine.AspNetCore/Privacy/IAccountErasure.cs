using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ChatEngine.AspNetCore;

/// <summary>
/// The host's part of a user's deletion (contract v2, section 6): ChatEngine owns no accounts, so
/// <c>DELETE /me</c> exists only when the host registers one (<c>AddAccountErasure&lt;T&gt;()</c>).
/// After the caller confirmed with their user name, it re-authenticates them, ChatEngine erases
/// their chat data (<see cref="IUserErasure"/>), and then it deletes the account: credentials,
/// sessions and tokens. A host's own account deletion calls <see cref="IUserErasure"/> instead, so
/// the two ways in never call each other.
/// </summary>
public interface IAccountErasure
{
    /// <summary>
    /// Re-authenticates the caller from the request's JSON body (the reference host checks
    /// <c>password</c>); throws a <see cref="ChatException"/> to refuse (<see cref="ChatErrorCodes.InvalidPassword"/>).
    /// </summary>
    Task VerifyAsync(HttpContext context, long userId, JsonElement body, CancellationToken cancellationToken);

    /// <summary>Deletes the account, once its chat data is erased.</summary>
    Task DeleteAccountAsync(long userId, CancellationToken cancellationToken);
}
