using ChatEngine;
using ChatEngine.AspNetCore;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ChatEngine with its ASP.NET Core transports.</summary>
public static class ChatEngineAspNetCoreServiceCollectionExtensions
{
    /// <summary>The configuration section ChatEngine's options are read from.</summary>
    public const string ConfigurationSection = "ChatEngine";

    private const string HubDispatcherLogCategory = "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher";

    /// <summary>
    /// Adds the chat engine and its REST, WebSocket and SignalR transports. Add a store and a user
    /// directory on the returned builder, then call <c>app.MapChatEndpoints()</c>. ChatEngine uses the
    /// authentication the app already has; it issues no tokens and owns no users.
    /// </summary>
    public static ChatEngineBuilder AddChatEngine(this IServiceCollection services, Action<ChatEngineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddChatEngineCore();

        // Settings come from configuration (section ChatEngine, and ChatEngine:Transports); code, applied after, wins.
        services.AddOptions<ChatEngineOptions>().BindConfiguration(ConfigurationSection);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.AddOptions<ChatTransportOptions>().BindConfiguration($"{ConfigurationSection}:Transports").ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatTransportOptions>, ChatTransportOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, ChatEngineStartupFilter>());
        services.TryAddSingleton<ChatConnectionRegistry>();
        services.TryAddSingleton<ChatHubConnections>();
        services.TryAddSingleton(sp => new ChatBroadcaster(
            sp.GetRequiredService<ChatConnectionRegistry>(), sp.GetRequiredService<ChatHubConnections>(), sp.GetRequiredService<UserStreams>(), sp.GetRequiredService<IHubContext<ChatHub>>(),
            sp.GetRequiredService<IServiceScopeFactory>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ChatMembershipCache>(),
            sp.GetRequiredService<ChatEngineMetrics>(), sp.GetRequiredService<BlockedUsers>(), sp.GetRequiredService<ILogger<ChatBroadcaster>>()));
        services.TryAddSingleton(sp => new BlockedUsers(sp.GetRequiredService<IServiceScopeFactory>()));
        services.TryAddSingleton<IChatBroadcastRelay, NoChatBroadcastRelay>();
        services.TryAddSingleton<SendRateLimiter>();
        services.TryAddSingleton<RestWriteRateLimiter>();
        services.TryAddSingleton<TypingGate>();
        services.TryAddSingleton<ChatConnectionCommands>();
        services.TryAddSingleton<AttachmentLinks>();
        services.TryAddSingleton<UploadRateLimiter>();
        services.TryAddSingleton<SyncRateLimiter>();
        services.TryAddSingleton<ExportRateLimiter>();
        services.TryAddSingleton<SearchRateLimiter>();
        services.TryAddSingleton<UserStreams>();

        // Cursors are protected with the app's key ring: hosts that share it (as cookies need) share cursors too.
        services.AddDataProtection();
        services.TryAddSingleton<SyncCursors>();

        // Webhooks (none until the host configures endpoints) go through the durable outbox.
        services.AddOptions<ChatWebhookOptions>().BindConfiguration($"{ConfigurationSection}:Webhooks").ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatWebhookOptions>, ChatWebhookOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IChatChangeParticipant, WebhookOutboxWriter>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IModerationSink, WebhookOutboxWriter>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IUserErasureParticipant, WebhookOutboxWriter>());
        services.AddHttpClient(WebhookDeliverer.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new System.Net.Http.SocketsHttpHandler { AllowAutoRedirect = false });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutboxDeliverer, WebhookDeliverer>());
        services.TryAddSingleton(sp => new ChatWebhooks(sp.GetRequiredService<IServiceScopeFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OutboxWorker>());

        // Web Push (on with VAPID keys) goes through the outbox too: scheduled with the send, fanned out when due.
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IChatChangeParticipant, PushOutboxWriter>());
        services.AddHttpClient(PushDeliverer.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new System.Net.Http.SocketsHttpHandler { AllowAutoRedirect = false });
        services.TryAddSingleton<PushAvailability>();
        services.TryAddSingleton<PushSchedule>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutboxDeliverer, PushFanOut>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutboxDeliverer, PushDeliverer>());
        // Attachments are kept under the app's content root unless the host names another store (a
        // host without one, such as a bare service provider, keeps them under the working directory).
        services.TryAddSingleton<IAttachmentStore>(sp => new FileSystemAttachmentStore(
            Path.Combine(sp.GetService<IHostEnvironment>()?.ContentRootPath ?? Directory.GetCurrentDirectory(), "App_Data", "attachments")));
        services.TryAddSingleton<AttachmentSweeper>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AttachmentSweeper>(sp => sp.GetRequiredService<AttachmentSweeper>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MessageRetentionWorker>());
        services.TryAddSingleton<UnresolvedChatUsers>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChatEventHandler, ChatEventFanOut>());
        services.AddProblemDetails();
        services.AddAntiforgery();
        services.AddRazorComponents();
        services.AddSignalR().AddHubOptions<ChatHub>(o => o.AddFilter<ChatHubFilter>());

        // SignalR's dispatcher logs every failed hub call at Error with a stack, refusals included;
        // ChatHubFilter logs ChatHub's refusals at Information and its real failures at Error instead.
        services.Configure<LoggerFilterOptions>(o => o.AddFilter(HubDispatcherLogCategory, LogLevel.Critical));
        services.Configure<JsonOptions>(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ChatJsonContext.Default));
        return builder;
    }

    /// <summary>
    /// Lets users delete their account with <c>DELETE /me</c> (see <see cref="IAccountErasure"/>): the host's
    /// re-authentication and account deletion, scoped. Without one, <c>DELETE /me</c> answers 404.
    /// </summary>
    public static ChatEngineBuilder AddAccountErasure<TErasure>(this ChatEngineBuilder builder)
        where TErasure : class, IAccountErasure
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddScoped<IAccountErasure, TErasure>();
        return builder;
    }

    /// <summary>Configures the transports' limits (frame, file and queue sizes, send rate, allowed origins, user id claim).</summary>
    public static ChatEngineBuilder ConfigureTransports(this ChatEngineBuilder builder, Action<ChatTransportOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return builder;
    }
}
