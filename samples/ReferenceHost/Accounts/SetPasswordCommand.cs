using Microsoft.AspNetCore.Identity;
using ReferenceHost.Data;

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

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        if (args.Length < 2 || string.IsNullOrWhiteSpace(args[1]))
        {
            Console.Error.WriteLine("Usage: set-password NAME   (password from CHATENGINE_NEW_PASSWORD or the terminal)");
            return 2;
        }

        if (TerminalPassword.Read("CHATENGINE_NEW_PASSWORD") is not { } password)
        {
            return 2;
        }

        await HostCommands.StartAsync(app);
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ChatAccount>>();
        if (await users.FindByNameAsync(args[1].Trim()) is not { } account)
        {
            Console.Error.WriteLine($"No account is named '{args[1].Trim()}'.");
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

        await SessionTicketStore.EndAllAsync(scope.ServiceProvider.GetRequiredService<ReferenceHostDbContext>(), account.Id, keep: null, CancellationToken.None);
        await scope.ServiceProvider.GetRequiredService<TokenService>().RevokeAllAsync(account.Id, CancellationToken.None);
        Console.WriteLine($"The password of '{account.UserName}' was changed; every session and token of theirs ended.");
        return 0;
    }
}
