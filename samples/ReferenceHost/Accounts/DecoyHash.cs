using Microsoft.AspNetCore.Identity;

namespace ReferenceHost.Accounts;

/// <summary>
/// A hash to check a password against when the user name matches no account, so that a wrong user
/// name costs as long as a wrong password and the answer's timing does not say who exists.
/// </summary>
internal static class DecoyHash
{
    private static string? _hash;

    public static void Verify(IPasswordHasher<ChatAccount> hasher, string password)
    {
        var decoy = new ChatAccount();
        var hash = _hash ??= hasher.HashPassword(decoy, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
        hasher.VerifyHashedPassword(decoy, hash, password);
    }
}
