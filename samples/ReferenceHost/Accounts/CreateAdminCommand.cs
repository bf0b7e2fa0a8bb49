using Microsoft.AspNetCore.Identity;

namespace ReferenceHost.Accounts;

/// <summary>
/// <c>dotnet run --project samples/ReferenceHost -- create-admin NAME</c>: creates an administrator (the
/// original's <c>createsuperuser</c>). The password comes from <c>CHATENGINE_ADMIN_PASSWORD</c>, or is
/// read from the terminal without echo.
/// </summary>
internal static class CreateAdminCommand
{
    public const string Name = "create-admin";
    private const string AdminRole = "Admin";

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        if (args.Length < 2 || string.IsNullOrWhiteSpace(args[1]))
        {
            Console.Error.WriteLine("Usage: create-admin NAME   (password from CHATENGINE_ADMIN_PASSWORD or the terminal)");
            return 2;
        }

        if (TerminalPassword.Read("CHATENGINE_ADMIN_PASSWORD") is not { } password)
        {
            return 2;
        }

        await HostCommands.StartAsync(app);

        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ChatAccount>>();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole<long>>>();
        if (!await roles.RoleExistsAsync(AdminRole))
        {
            await roles.CreateAsync(new IdentityRole<long>(AdminRole));
        }

        var account = new ChatAccount { UserName = args[1].Trim() };
        var created = await users.CreateAsync(account, password);
        if (!created.Succeeded)
        {
            Console.Error.WriteLine(string.Join(Environment.NewLine, created.Errors.Select(e => e.Description)));
            return 1;
        }

        await users.AddToRoleAsync(account, AdminRole);
        Console.WriteLine($"Administrator '{account.UserName}' created.");
        return 0;
    }
}
