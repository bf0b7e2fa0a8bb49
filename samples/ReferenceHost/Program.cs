using ReferenceHost;
using ReferenceHost.Accounts;
using ReferenceHost.Data;
using ReferenceHost.Moderation;
using ReferenceHost.Push;

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseStaticWebAssets();   // serve the chat pages' scripts from a build too, not only from a publish
builder.AddReferenceHostDatabase();     // accounts and chat in one database: SQLite by default, or PostgreSQL
builder.AddReferenceHostAccounts();     // Identity, JWT for the API, the session cookie for the pages
builder.AddReverseProxySupport();       // X-Forwarded-For/Proto from ReverseProxy:KnownProxies only
builder.AddReferenceHostPush();         // Web Push's VAPID keys: configured, or made at first start
builder.AddHostCommands(args);          // create-admin and set-password run instead of the server, on no port
builder.Services.AddRazorComponents();
builder.Services.AddOpenApi();
builder.Services.AddHealthChecks().AddChatEngineDatabase<ReferenceHostDbContext>();

var app = builder.Build();
if (HostCommands.Run(app, args) is { } command)
{
    return await command;
}

app.UseForwardedHeaders();
app.UseSecurityHeaders();
app.MapStaticAssets();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.UseRateLimiter();
app.MapHealthChecks("/health");
app.MapOpenApi();
app.MapAccountEndpoints();
app.MapAccountPages();
app.MapModerationPages();
app.MapChatEndpoints();
app.MapGet("/", () => Results.Redirect("/home/")).ExcludeFromDescription();
await app.RunAsync();
return 0;
