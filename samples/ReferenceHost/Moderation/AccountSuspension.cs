using Microsoft.AspNetCore.Identity;
using ReferenceHost.Accounts;

namespace ReferenceHost.Moderation;

/// <summary>
/// Suspending an account, an administrator's decision: it cannot sign in (told so once it gives the
/// right password), every sign-in of its ends, its live connections close on every host, and its
/// access tokens are refused. Its chats and messages stay as they are. Identity's lockout holds it,
/// with no end until it is lifted.
/// </summary>
internal sealed class AccountSuspension(UserManager<ChatAccount> users, AccountSignIns signIns, SuspendedAccounts suspended, TimeProvider time)
{
    public async Task<SuspensionResult> SuspendAsync(ChatAccount administrator, string? userName, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(userName) || await users.FindByNameAsync(userName.Trim()) is not { } account)
        {
            return SuspensionResult.NoSuchAccount;
        }

        if (account.Id == administrator.Id || await users.IsInRoleAsync(account, Administrators.Role))
        {
            return SuspensionResult.Administrator;
        }

        account.LockoutEnabled = true;
        account.LockoutEnd = DateTimeOffset.MaxValue;
        Require(await users.UpdateAsync(account));
        suspended.Set(account.Id, suspended: true);
        await signIns.EndAllAsync(account.Id, keepSession: null, cancellationToken);
        return SuspensionResult.Done;
    }

    public async Task<SuspensionResult> LiftAsync(string? userName)
    {
        if (string.IsNullOrWhiteSpace(userName) || await users.FindByNameAsync(userName.Trim()) is not { } account)
        {
            return SuspensionResult.NoSuchAccount;
        }

        account.LockoutEnabled = false;
        account.LockoutEnd = null;
        Require(await users.UpdateAsync(account));
        suspended.Set(account.Id, suspended: false);
        return SuspensionResult.Done;
    }

    /// <summary>The suspended accounts' names, in order.</summary>
    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken)
    {
        var suspended = await SuspendedAccounts.ReadAsync(users.Users, time.GetUtcNow(), cancellationToken);
        return suspended.Select(a => a.UserName).Order(StringComparer.OrdinalIgnoreCase).ToArray();
    }

    private static void Require(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Changing the account's lockout failed: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }
}

internal enum SuspensionResult
{
    Done,
    NoSuchAccount,
    Administrator,
}
