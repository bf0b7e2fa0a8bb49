using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using ChatEngine.AspNetCore;
using ChatEngine.EntityFrameworkCore;
using ChatEngine.Redis;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using ReferenceHost.Accounts;
using ReferenceHost.Data;
using ReferenceHost.Moderation;

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
            // The stores' context is ReferenceHostDbContext, so this subclass's options add SQLite's busy wait themselves.
            builder.Services.AddDbContextPool<SqliteReferenceHostDbContext>(o => o.UseSqlite(sqlite).AddInterceptors(SqliteBusyTimeoutInterceptor.Instance));
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

        // DELETE /me: ChatEngine erases the chat data, then this host deletes the account (password first).
        chat.AddAccountErasure<AccountDeletion>();
        builder.Services.AddScoped<AccountDeletion>(); // The account page's own way in (see AccountDeletion).
        // The chat pages' header links to the account page (data download, account deletion).
        builder.Services.PostConfigure<ChatTransportOptions>(o =>
        {
            if (o.Pages.HomeLink is null)
            {
                o.Pages.HomeLink = AccountPages.AccountPath;
                o.Pages.HomeLinkText = "Account";
            }
        });

        // Attachments: on disk (Attachments:Folder, by default App_Data/attachments), or in Azure Blob
        // Storage when ConnectionStrings:AttachmentBlobs is set (what several hosts need: one place for every file).
        chat.AddImageThumbnails();
        if (builder.Configuration.GetConnectionString("AttachmentBlobs") is { Length: > 0 } blobs)
        {
            chat.AddAzureBlobAttachments(blobs);
        }
        else
        {
            chat.AddFileSystemAttachments(builder.Configuration["Attachments:Folder"] is { Length: > 0 } folder
                ? folder
                : Path.Combine(builder.Environment.ContentRootPath, "App_Data", "attachments"));
        }

        // Several hosts: ConnectionStrings:Redis turns scale-out on; without it, one host in memory.
        if (builder.Configuration.GetConnectionString("Redis") is { Length: > 0 } redis)
        {
            chat.AddRedisScaleOut(redis);
        }

        // Cookie keys in the shared database, so a session started on one host is good on every other.
        var dataProtection = builder.Services.AddDataProtection()
            .SetApplicationName("ChatEngine.ReferenceHost")
            .PersistKeysToDbContext<ReferenceHostDbContext>();

        // Linux has no DPAPI to encrypt them at rest: a certificate the operator names does (every host the same one).
        if (builder.Configuration["DataProtection:CertificatePath"] is { Length: > 0 } certificatePath)
        {
            dataProtection.ProtectKeysWithCertificate(
                X509CertificateLoader.LoadPkcs12FromFile(certificatePath, builder.Configuration["DataProtection:CertificatePassword"]));
        }

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
        services.AddScoped<AccountSignIns>();
        services.AddScoped<AccountSuspension>();
        services.AddSingleton<SuspendedAccounts>();
        services.AddSingleton<EndedSignIns>();
        services.AddHostedService<AccessRevocationsRefresher>();

        services.AddIdentityCore<ChatAccount>(o =>
            {
                // Failures are throttled (LoginThrottle), never turned into a lockout a stranger can cause.
                o.Lockout.AllowedForNewUsers = false;
                o.User.AllowedUserNameCharacters = AccountFields.UserNameCharacters;
                // Django's rules (PasswordRules) instead of character classes.
                o.Password.RequiredLength = AccountFields.MinPasswordLength;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequiredUniqueChars = 1;
            })
            .AddRoles<IdentityRole<long>>()
            .AddEntityFrameworkStores<ReferenceHostDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders()
            .AddPasswordValidator<PasswordRules>();

        // OWASP's current figure for PBKDF2-HMAC-SHA512; older hashes are redone at their next sign-in.
        services.Configure<PasswordHasherOptions>(o => o.IterationCount = builder.Configuration.GetValue("Accounts:PasswordIterations", 210_000));
        services.AddOptions<LoginThrottleOptions>().BindConfiguration("Accounts:Throttle");
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<SessionTicketStore>();
        services.AddAccountRateLimits(builder.Configuration);

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
                o.Events = new JwtBearerEvents
                {
                    OnTokenValidated = async context =>
                    {
                        // A token cannot be revoked, but the account it names can be suspended, or its sign-ins ended since it was made.
                        if (ChatUserId(context.Principal!) is { } userId)
                        {
                            var services = context.HttpContext.RequestServices;
                            if (services.GetRequiredService<SuspendedAccounts>().Contains(userId))
                            {
                                context.Fail("This account is suspended.");
                                return;
                            }

                            if (services.GetRequiredService<EndedSignIns>().Refuses(userId, context.Principal!))
                            {
                                context.Fail("This sign-in has ended: sign in again.");
                                return;
                            }
                        }

                        // A connection outlives its token: it may open only while the account's sign-ins last.
                        if (AccessTokenStamp.OpensConnection(context.HttpContext) && !await AccessTokenStamp.IsCurrentAsync(context.Principal!, context.HttpContext))
                        {
                            context.Fail("This sign-in has ended: sign in again.");
                            return;
                        }

                        context.Principal = AccessTokenPrincipal(context.Principal!);
                    },
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
            // Secure whenever the request is HTTPS, which behind a trusted proxy X-Forwarded-Proto tells.
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
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
        // The cookie carries a session key; the session itself lives in the database (SessionTicketStore).
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<SessionTicketStore>((o, store) => o.SessionStore = store);
        services.AddAuthorization();
        return builder;
    }

    /// <summary>
    /// Behind a reverse proxy that terminates TLS: the client's address and scheme come from its
    /// X-Forwarded-For and X-Forwarded-Proto, but only when the request comes from one of
    /// <c>ReverseProxy:KnownProxies</c> (addresses) or <c>ReverseProxy:KnownNetworks</c> (CIDR ranges).
    /// Without either, those headers are ignored: anyone could send them.
    /// </summary>
    public static WebApplicationBuilder AddReverseProxySupport(this WebApplicationBuilder builder)
    {
        var proxies = builder.Configuration.GetSection("ReverseProxy:KnownProxies").Get<string[]>() ?? [];
        var networks = builder.Configuration.GetSection("ReverseProxy:KnownNetworks").Get<string[]>() ?? [];
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            // With both lists empty the middleware would trust every sender, so then it trusts no one.
            o.ForwardedHeaders = proxies.Length + networks.Length == 0
                ? ForwardedHeaders.None
                : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in proxies)
            {
                o.KnownProxies.Add(System.Net.IPAddress.TryParse(proxy, out var address)
                    ? address
                    : throw new InvalidOperationException($"ReverseProxy:KnownProxies holds '{proxy}', which is not an IP address."));
            }

            foreach (var network in networks)
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network, out var range)
                    ? range
                    : throw new InvalidOperationException($"ReverseProxy:KnownNetworks holds '{network}', which is not a CIDR range such as 10.0.0.0/8."));
            }
        });
        return builder;
    }

    /// <summary>
    /// The principal of a validated access token, with the claims the host reads (the user's id and
    /// name) and nothing of the token itself. A WebSocket keeps its request's principal for as long as
    /// it stays open, and the validated one holds the whole parsed token (its claims twice, its payload
    /// and its encoded parts): about 4 KB a socket, kept for hours and copied by the collector.
    /// </summary>
    private static ClaimsPrincipal AccessTokenPrincipal(ClaimsPrincipal validated)
    {
        var token = validated.Identity as ClaimsIdentity;
        var identity = new ClaimsIdentity(token?.AuthenticationType, token?.NameClaimType, token?.RoleClaimType);
        foreach (var type in (ReadOnlySpan<string>)["sub", "unique_name"])
        {
            if (validated.FindFirst(type) is { } claim)
            {
                identity.AddClaim(new Claim(type, claim.Value, claim.ValueType, claim.Issuer));
            }
        }

        return new ClaimsPrincipal(identity);
    }

    /// <summary>The chat user id of a signed-in account (Identity's cookie carries it as NameIdentifier, JWT as sub).</summary>
    public static long? ChatUserId(ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.FindFirstValue("sub"), out var id) ? id : null;
}
