using Microsoft.AspNetCore.Identity;
using ReferenceHost.Accounts;

namespace ReferenceHost.Moderation;

/// <summary>The host's administrators: accounts in the <see cref="Role"/> role, made with <c>create-admin</c>.</summary>
internal static class Administrators
{
    public const string Role = "Admin";

    /// <summary>
    /// The signed-in administrator, or null. The role is read from the database on each request, not
    /// from the cookie, so taking it away takes effect at once.
    /// </summary>
    public static async Task<ChatAccount?> FindSignedInAsync(HttpContext context, UserManager<ChatAccount> users) =>
        context.User.Identity?.IsAuthenticated == true && await users.GetUserAsync(context.User) is { } account && await users.IsInRoleAsync(account, Role)
            ? account
            : null;
}
