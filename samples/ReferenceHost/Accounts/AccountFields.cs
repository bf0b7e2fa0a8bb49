using ChatEngine;

namespace ReferenceHost.Accounts;

/// <summary>The limits of what an account holds, checked before anything is looked up or stored.</summary>
internal static class AccountFields
{
    /// <summary>Django's limit, which the original application had.</summary>
    public const int MaxUserNameLength = 150;

    public const int MaxNameLength = 150;

    public const int MinPasswordLength = 8;

    /// <summary>Account requests are small: larger bodies are refused before they are read.</summary>
    public const long MaxBodyBytes = 16 * 1024;

    public const string UserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@+";

    /// <summary>Whether a sign-in name could belong to an account; one that cannot is never looked up.</summary>
    public static bool IsPossibleUserName(string userName) =>
        userName.Length is > 0 and <= MaxUserNameLength && userName.All(UserNameCharacters.Contains);

    /// <summary>An optional first or last name: absent, or a name ChatEngine would accept.</summary>
    public static bool IsAcceptableName(string? name) =>
        string.IsNullOrEmpty(name) || (name.Length <= MaxNameLength && ChatText.IsAcceptableName(name));
}
