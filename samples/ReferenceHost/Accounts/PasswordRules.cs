using System.IO.Compression;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;

namespace ReferenceHost.Accounts;

/// <summary>
/// The original application's password rules (Django's defaults) on top of Identity's minimum length
/// of 8: not all digits, not one of the 20,000 most common passwords, not too like the user's own
/// names. Identity's character-class rules are off, as current guidance (NIST SP 800-63B) advises.
/// </summary>
internal sealed partial class PasswordRules : IPasswordValidator<ChatAccount>
{
    // Django's UserAttributeSimilarityValidator default.
    private const double MaxSimilarity = 0.7;

    // Django's list (django/contrib/auth/common-passwords.txt.gz, BSD licence), one password a line, lower case.
    private static readonly Lazy<HashSet<string>> CommonPasswords = new(LoadCommonPasswords);

    public Task<IdentityResult> ValidateAsync(UserManager<ChatAccount> manager, ChatAccount user, string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            return Task.FromResult(IdentityResult.Success); // Identity's own length rule reports it.
        }

        var errors = new List<IdentityError>();
        if (password.All(char.IsAsciiDigit))
        {
            errors.Add(new IdentityError { Code = PasswordErrors.AllDigits, Description = "This password is entirely numeric." });
        }

        if (CommonPasswords.Value.Contains(password.Trim().ToLowerInvariant()))
        {
            errors.Add(new IdentityError { Code = PasswordErrors.Common, Description = "This password is too common." });
        }

        if (IsTooSimilar(password, user.UserName, user.FirstName, user.LastName))
        {
            errors.Add(new IdentityError { Code = PasswordErrors.Similar, Description = "The password is too similar to the user name or name." });
        }

        return Task.FromResult(errors.Count == 0 ? IdentityResult.Success : IdentityResult.Failed([.. errors]));
    }

    /// <summary>
    /// Django's test: the password against each attribute and each of its word-separated parts, by
    /// difflib's quick ratio (twice the characters in common over the total length).
    /// </summary>
    internal static bool IsTooSimilar(string password, params string?[] attributes)
    {
        var lowered = password.ToLowerInvariant();
        foreach (var attribute in attributes)
        {
            if (string.IsNullOrWhiteSpace(attribute))
            {
                continue;
            }

            var value = attribute.ToLowerInvariant();
            foreach (var part in NonWordCharacters().Split(value).Append(value))
            {
                if (part.Length > 0 && QuickRatio(lowered, part) >= MaxSimilarity)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static double QuickRatio(string a, string b)
    {
        var available = new Dictionary<char, int>();
        foreach (var c in b)
        {
            available[c] = available.GetValueOrDefault(c) + 1;
        }

        var matches = 0;
        foreach (var c in a)
        {
            if (available.GetValueOrDefault(c) > 0)
            {
                available[c]--;
                matches++;
            }
        }

        return 2.0 * matches / (a.Length + b.Length);
    }

    private static HashSet<string> LoadCommonPasswords()
    {
        using var resource = Assembly.GetExecutingAssembly().GetManifestResourceStream("ReferenceHost.Accounts.common-passwords.txt.gz")
            ?? throw new InvalidOperationException("The common password list is missing from the build.");
        using var reader = new StreamReader(new GZipStream(resource, CompressionMode.Decompress));
        var passwords = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            passwords.Add(line.Trim());
        }

        return passwords;
    }

    [GeneratedRegex(@"\W+")]
    private static partial Regex NonWordCharacters();
}

/// <summary>The codes of the password rules' errors, beside Identity's own.</summary>
internal static class PasswordErrors
{
    public const string AllDigits = "PasswordEntirelyNumeric";
    public const string Common = "PasswordTooCommon";
    public const string Similar = "PasswordTooSimilar";
}
