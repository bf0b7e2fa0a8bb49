using Microsoft.AspNetCore.Identity;

namespace ReferenceHost.Accounts;

/// <summary>
/// <c>dotnet run --project samples/ReferenceHost -- set-password NAME</c>: gives an account a new
/// password, for someone who forgot theirs (the host sends no mail). Every session and refresh token
/// of the account ends. The password comes from <c>CHATENGINE_NEW_PASSWORD</c>, or is read from the
/// terminal without echo.
/// </summary>
internal static class SetPasswordCommand
{
    public const string Name = "set-password";
    public const string PasswordVariable = "CHATENGINE_NEW_PASSWORD";

    public static async Task<int> RunAsync(IServiceProvider services, string userName, string password)
    {
        var users = services.GetRequiredService<UserManager<ChatAccount>>();
        if (await users.FindByNameAsync(userName) is not { } account)
        {
            Console.Error.WriteLine($"No account is named '{userName}'.");
            return 1;
        }

        // Identity's reset checks the password rules before it changes anything.
        var token = await users.GeneratePasswordResetTokenAsync(account);
        var reset = await users.ResetPasswordAsync(account, token, password);
        if (!reset.Succeeded)
        {
            Console.Error.WriteLine(string.Join(Environment.NewLine, reset.Errors.Select(e => e.Description)));
            return 1;
        }

        await services.GetRequiredService<AccountSignIns>().EndAllAsync(account.Id, keepSession: null, CancellationToken.None);
        Console.WriteLine($"The password of '{account.UserName}' was changed; every session and token of theirs ended.");
        return 0;
    }
}
