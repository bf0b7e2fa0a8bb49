using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace ReferenceHost.Accounts;

/// <summary>
/// The host's account commands (<c>create-admin NAME</c>, <c>set-password NAME</c>), run instead of the
/// server. Each takes an account name and a password (from its environment variable, or typed), and
/// runs after the host's start-up work (migrations) in a scope of its own.
/// </summary>
internal static class HostCommands
{
    /// <summary>
    /// When the arguments name a command, the host is built with a server that listens nowhere: the
    /// running server (beside which <c>set-password</c> is usually run) holds the port.
    /// </summary>
    public static WebApplicationBuilder AddHostCommands(this WebApplicationBuilder builder, string[] args)
    {
        if (args is [CreateAdminCommand.Name or SetPasswordCommand.Name, ..])
        {
            builder.Services.AddSingleton<IServer, NoServer>();
        }

        return builder;
    }

    /// <summary>The command named by <paramref name="args"/>, or null when they name none (run the server).</summary>
    public static Task<int>? Run(WebApplication app, string[] args) => args switch
    {
        [CreateAdminCommand.Name, ..] => RunAsync(app, args, CreateAdminCommand.PasswordVariable, CreateAdminCommand.RunAsync),
        [SetPasswordCommand.Name, ..] => RunAsync(app, args, SetPasswordCommand.PasswordVariable, SetPasswordCommand.RunAsync),
        _ => null,
    };

    private static async Task<int> RunAsync(
        WebApplication app, string[] args, string passwordVariable, Func<IServiceProvider, string, string, Task<int>> command)
    {
        if (args is not [_, var userName, ..] || string.IsNullOrWhiteSpace(userName))
        {
            Console.Error.WriteLine($"Usage: {args[0]} NAME   (password from {passwordVariable} or the terminal)");
            return 2;
        }

        if (TerminalPassword.Read(passwordVariable) is not { } password)
        {
            return 2;
        }

        // Migrations and other start-up work, run as they are for the server (the Redis relay included).
        var hostedServices = app.Services.GetServices<IHostedService>().ToArray();
        foreach (var hosted in hostedServices)
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        int exitCode;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            exitCode = await command(scope.ServiceProvider, userName.Trim(), password);
        }

        // Stopped as a server stops: what the command published (its account's connections to end on
        // every running host) leaves through the relay before the process does.
        foreach (var hosted in hostedServices.Reverse())
        {
            await hosted.StopAsync(CancellationToken.None);
        }

        await app.DisposeAsync();
        return exitCode;
    }
}

/// <summary>The server of a command's host: it serves nothing, so it takes no port.</summary>
internal sealed class NoServer : IServer
{
    public IFeatureCollection Features { get; } = new FeatureCollection();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }
}
