namespace ReferenceHost.Accounts;

/// <summary>The host's account commands (<c>create-admin</c>, <c>set-password</c>), run instead of the server.</summary>
internal static class HostCommands
{
    /// <summary>The command named by <paramref name="args"/>, or null when they name none (run the server).</summary>
    public static Task<int>? Run(WebApplication app, string[] args) => args switch
    {
        [CreateAdminCommand.Name, ..] => CreateAdminCommand.RunAsync(app, args),
        [SetPasswordCommand.Name, ..] => SetPasswordCommand.RunAsync(app, args),
        _ => null,
    };

    /// <summary>Migrations and other start-up work, run as they are for the server.</summary>
    public static async Task StartAsync(WebApplication app)
    {
        foreach (var hosted in app.Services.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }
    }
}
