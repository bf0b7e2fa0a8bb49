using Microsoft.AspNetCore.Identity;

namespace ReferenceHost.Accounts;

/// <summary>
/// What can go wrong with an account form, by code. The forms redirect with <c>?error={code}</c> and
/// the pages show only these messages, never text from the address bar; the JSON API answers the
/// same messages.
/// </summary>
internal static class AccountErrors
{
    public const string Required = "required";
    public const string Taken = "taken";
    public const string InvalidUserName = "invalid_username";
    public const string InvalidName = "invalid_name";
    public const string PasswordTooShort = "password_too_short";
    public const string PasswordNumeric = "password_numeric";
    public const string PasswordCommon = "password_common";
    public const string PasswordSimilar = "password_similar";
    public const string RegistrationFailed = "registration_failed";
    public const string InvalidUser = "invalid_user";
    public const string Throttled = "throttled";
    public const string Expired = "expired";
    public const string WrongPassword = "wrong_password";
    public const string PasswordsRequired = "passwords_required";
    public const string ConfirmDeletion = "confirm_deletion";
    public const string Deleted = "deleted";
    public const string Suspended = "suspended";

    private static readonly Dictionary<string, string> Messages = new(StringComparer.Ordinal)
    {
        [Required] = "Username and password are required.",
        [Taken] = "Username already taken",
        [InvalidUserName] = $"Usernames are 1 to {AccountFields.MaxUserNameLength} letters, digits and @ . + - _ only.",
        [InvalidName] = $"Names are at most {AccountFields.MaxNameLength} characters, and cannot be invisible or hold control or direction-changing characters.",
        [PasswordTooShort] = $"This password is too short. It must contain at least {AccountFields.MinPasswordLength} characters.",
        [PasswordNumeric] = "This password is entirely numeric.",
        [PasswordCommon] = "This password is too common.",
        [PasswordSimilar] = "The password is too similar to the username or name.",
        [RegistrationFailed] = "The account could not be created.",
        [InvalidUser] = "Invalid user",
        [Throttled] = "Too many failed attempts: wait a moment, then try again.",
        [Expired] = "The form expired; please try again.",
        [WrongPassword] = "That is not your password.",
        [PasswordsRequired] = "Both the current password and the new one are required.",
        [ConfirmDeletion] = "Type your username to confirm that the account should be deleted.",
        [Deleted] = "Your account and your chat data were deleted.",
        [Suspended] = "This account is suspended by the server's administrators.",
    };

    /// <summary>The message for a known code; null for anything else, which the pages then do not show.</summary>
    public static string? MessageFor(string? code) => code is not null && Messages.TryGetValue(code, out var message) ? message : null;

    public static string Message(string code) => Messages[code];

    /// <summary>The code for Identity's first complaint about a new account.</summary>
    public static string FromIdentity(IEnumerable<IdentityError> errors) => errors.Select(e => e.Code).FirstOrDefault() switch
    {
        nameof(IdentityErrorDescriber.DuplicateUserName) => Taken,
        nameof(IdentityErrorDescriber.InvalidUserName) => InvalidUserName,
        nameof(IdentityErrorDescriber.PasswordTooShort) => PasswordTooShort,
        PasswordErrors.AllDigits => PasswordNumeric,
        PasswordErrors.Common => PasswordCommon,
        PasswordErrors.Similar => PasswordSimilar,
        _ => RegistrationFailed,
    };
}
