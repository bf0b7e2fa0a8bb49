using Microsoft.AspNetCore.Identity;
using ReferenceHost.Moderation;

namespace ReferenceHost.Accounts;

/// <summary>
/// <c>dotnet run --project samples/ReferenceHost -- create-admin NAME</c>: creates an administrator (the
/// original's <c>createsuperuser</c>). The password comes from <c>CHATENGINE_ADMIN_PASSWORD</c>, or is
/// read from the terminal without echo.
/// </summary>
internal static class CreateAdminCommand
{
    public const string Name = "create-admin";
    public const string PasswordVariable = "CHATENGINE_ADMIN_PASSWORD";

    public static async Task<int> RunAsync(IServiceProvider services, string userName, string password)
    {
        var users = services.GetRequiredService<UserManager<ChatAccount>>();
        var roles = services.GetRequiredService<RoleManager<IdentityRole<long>>>();
        if (!await roles.RoleExistsAsync(Administrators.Role))
        {
            await roles.CreateAsync(new IdentityRole<long>(Administrators.Role));
        }

        var account = new ChatAccount { UserName = userName };
        var created = await users.CreateAsync(account, password);
        if (!created.Succeeded)
        {
            Console.Error.WriteLine(string.Join(Environment.NewLine, created.Errors.Select(e => e.Description)));
            return 1;
        }

        await users.AddToRoleAsync(account, Administrators.Role);
        Console.WriteLine($"Administrator '{account.UserName}' created.");
        return 0;
    }
}
