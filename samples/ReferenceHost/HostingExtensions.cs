using System.Security.Claims;
using ChatEngine.EntityFrameworkCore;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using ReferenceHost.Accounts;
using ReferenceHost.Data;

namespace ReferenceHost;

internal static class HostingExtensions
{
    private const string ChatScheme = "ChatEngine";

    /// <summary>
    /// Accounts and chat in one database, chosen by <c>Database:Provider</c> (Sqlite, the default, or
    /// PostgreSql) and <c>ConnectionStrings:Chat</c>; migrated at start-up.
    /// </summary>
    public static WebApplicationBuilder AddReferenceHostDatabase(this WebApplicationBuilder builder)
    {
        var provider = builder.Configuration["Database:Provider"];
        var connectionString = builder.Configuration.GetConnectionString("Chat");
        var chat = builder.Services.AddChatEngine();
        if (string.IsNullOrWhiteSpace(provider) || provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            var sqlite = string.IsNullOrWhiteSpace(connectionString)
                ? $"Data Source={Path.Combine(builder.Environment.ContentRootPath, "App_Data", "chat.db")}"
                : connectionString;
            builder.Services.AddDbContextPool<SqliteReferenceHostDbContext>(o => o.UseSqlite(sqlite));
            builder.Services.AddScoped<ReferenceHostDbContext>(sp => sp.GetRequiredService<SqliteReferenceHostDbContext>());
            chat.AddDatabaseMigration<SqliteReferenceHostDbContext>();
        }
        else if (provider.Equals("PostgreSql", StringComparison.OrdinalIgnoreCase))
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("Database:Provider is PostgreSql, so ConnectionStrings:Chat must hold its connection string.");
            }

            builder.Services.AddDbContextPool<PostgreSqlReferenceHostDbContext>(o => o.UseNpgsql(connectionString));
            builder.Services.AddScoped<ReferenceHostDbContext>(sp => sp.GetRequiredService<PostgreSqlReferenceHostDbContext>());
            chat.AddDatabaseMigration<PostgreSqlReferenceHostDbContext>();
        }
        else
        {
            throw new InvalidOperationException($"Database:Provider '{provider}' is not supported: use Sqlite (the default) or PostgreSql.");
        }

        chat.AddEntityFrameworkStores<ReferenceHostDbContext>().AddUserDirectory<IdentityChatUserDirectory>();

        // Several hosts: ConnectionStrings:Redis turns scale-out on; without it, one host in memory.
        if (builder.Configuration.GetConnectionString("Redis") is { Length: > 0 } redis)
        {
            chat.AddRedisScaleOut(redis);
        }

        // Cookie keys in the shared database, so a session started on one host is good on every other.
        builder.Services.AddDataProtection()
            .SetApplicationName("ChatEngine.ReferenceHost")
            .PersistKeysToDbContext<ReferenceHostDbContext>();
        return builder;
    }

    /// <summary>
    /// Identity accounts, JWT for the API and the session cookie for the pages. One policy scheme picks
    /// Bearer when an Authorization header is present and the cookie otherwise, so the same chat routes
    /// serve the mobile API and the web pages.
    /// </summary>
    public static WebApplicationBuilder AddReferenceHostAccounts(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<JwtOptions>().BindConfiguration("Jwt")
            .Validate(o => o.AccessTokenLifetime > TimeSpan.Zero && o.RefreshTokenLifetime > o.AccessTokenLifetime,
                "Jwt:AccessTokenLifetime must be positive and shorter than Jwt:RefreshTokenLifetime.")
            .ValidateOnStart();
        var jwt = builder.Configuration.GetSection("Jwt").Get<JwtOptions>() ?? new JwtOptions();
        if (string.IsNullOrWhiteSpace(jwt.SigningKey) && !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Redis")))
        {
            // A key generated per host would make each host refuse the others' tokens.
            throw new InvalidOperationException(
                "ConnectionStrings:Redis is set, so this host runs beside others: set Jwt:SigningKey (base64, 32 bytes or more) to the same value on every host.");
        }

        var signingKey = SigningKeys.Load(jwt, builder.Environment.ContentRootPath);
        services.AddSingleton(signingKey);
        services.AddScoped<TokenService>();

        services.AddIdentityCore<ChatAccount>(o =>
            {
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
                o.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@+";
            })
            .AddRoles<IdentityRole<long>>()
            .AddEntityFrameworkStores<ReferenceHostDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = ChatScheme;
                o.DefaultChallengeScheme = ChatScheme;
            })
            .AddPolicyScheme(ChatScheme, "Bearer token or session cookie", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? JwtBearerDefaults.AuthenticationScheme
                    : IdentityConstants.ApplicationScheme)
            .AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    IssuerSigningKey = signingKey,
                    ValidIssuer = jwt.Issuer,
                    ValidAudience = jwt.Audience,
                    NameClaimType = "unique_name",
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
            })
            .AddIdentityCookies();

        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/user/login/";
            o.LogoutPath = "/user/logout/";
            o.Cookie.Name = "chatengine.session";
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.HttpOnly = true;
            // Only a page navigation is sent to the login page; API and WebSocket callers get a plain 401.
            o.Events.OnRedirectToLogin = context =>
            {
                var wantsPage = HttpMethods.IsGet(context.Request.Method)
                    && context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
                if (wantsPage)
                {
                    context.Response.Redirect(context.RedirectUri);
                }
                else
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                }

                return Task.CompletedTask;
            };
        });
        services.AddAuthorization();
        return builder;
    }

    /// <summary>The chat user id of a signed-in account (Identity's cookie carries it as NameIdentifier, JWT as sub).</summary>
    public static long? ChatUserId(ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.FindFirstValue("sub"), out var id) ? id : null;
}
