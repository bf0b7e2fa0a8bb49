using ChatEngine;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ChatEngine's core services.</summary>
public static class ChatEngineServiceCollectionExtensions
{
    /// <summary>
    /// Adds the chat services without any transport (ASP.NET Core apps call <c>AddChatEngine()</c> from
    /// ChatEngine.AspNetCore, which calls this). Safe to call more than once. Add stores (for example
    /// <c>AddInMemoryStores()</c> or <c>AddEntityFrameworkStores&lt;TContext&gt;()</c>) and a user directory next.
    /// </summary>
    public static ChatEngineBuilder AddChatEngineCore(this IServiceCollection services, Action<ChatEngineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        var options = services.AddOptions<ChatEngineOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatEngineOptions>, ChatEngineOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatEngineOptions>, ChatEngineRegistrationValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IChatEventPublisher, ChatEventDispatcher>();
        services.TryAddSingleton<IPresenceTracker, InMemoryPresenceTracker>();
        services.TryAddSingleton<PresenceTransitions>();
        services.TryAddSingleton(sp => new ChatEngineMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<IChatUnitOfWork, InProcessChatUnitOfWork>();
        services.TryAddSingleton<ChatUserKeyCache>();
        if (!services.Any(d => d.ServiceType == typeof(ChatMembershipCache)))
        {
            services.AddSingleton(sp => new ChatMembershipCache(sp.GetRequiredService<TimeProvider>()));
            services.AddSingleton<IChatEventHandler>(sp => sp.GetRequiredService<ChatMembershipCache>());
        }

        // Scoped, because stores and the host's user directory are usually scoped (a DbContext each).
        services.TryAddScoped(sp => new ChatUserKeys(sp, sp.GetRequiredService<ChatUserKeyCache>()));
        services.TryAddScoped(sp => new ChatChangeParticipation(sp.GetServices<IChatChangeParticipant>(), sp.GetRequiredService<IChatUnitOfWork>()));
        services.TryAddScoped(sp => new ChatAccess(
            sp.GetRequiredService<IChatStore>(), sp.GetRequiredService<IChatMemberStore>(), sp.GetRequiredService<IChatUserDirectory>(),
            sp.GetService<IChatModerationStore>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddScoped(sp => new ChatChangeRecorder(sp.GetRequiredService<IChatStore>(), sp.GetRequiredService<IChatUserDirectory>(), sp.GetRequiredService<ChatChangeParticipation>()));
        services.TryAddScoped(sp => new MessageDetails(
            sp.GetRequiredService<IMessageStore>(), sp.GetRequiredService<IChatMemberStore>(), sp.GetRequiredService<IChatUserDirectory>(),
            sp.GetService<IChatModerationStore>(), sp.GetRequiredService<IOptions<ChatEngineOptions>>()));
        services.TryAddScoped(sp => new AttachmentService(
            sp.GetRequiredService<IMessageStore>(), sp.GetService<IAttachmentStore>(), sp.GetServices<IAttachmentScanner>(), sp.GetService<IAttachmentImageProcessor>(),
            sp.GetRequiredService<ChatAccess>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<ChatEngineOptions>>(),
            sp.GetService<ILogger<AttachmentService>>() ?? NullLogger<AttachmentService>.Instance));
        services.TryAddScoped(sp => new ChatNotifications(
            sp.GetRequiredService<IChatMemberStore>(), sp.GetRequiredService<ChatAccess>(), sp.GetRequiredService<IChatEventPublisher>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<ChatEngineOptions>>()));
        services.TryAddScoped(sp => new PresenceService(
            sp.GetRequiredService<IPresenceTracker>(), sp.GetRequiredService<ILastSeenStore>(), sp.GetRequiredService<IChatStore>(),
            sp.GetRequiredService<IChatUserDirectory>(), sp.GetRequiredService<IChatEventPublisher>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<PresenceTransitions>()));
        services.TryAddScoped(sp => new MessagingService(
            sp, sp.GetRequiredService<IMessageStore>(), sp.GetRequiredService<IChatEventPublisher>(), sp.GetRequiredService<ChatMembershipCache>(),
            sp.GetRequiredService<ChatEngineMetrics>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<ChatEngineOptions>>()));
        services.TryAddScoped(sp => new ChatService(
            sp.GetRequiredService<IChatStore>(), sp.GetRequiredService<IChatMemberStore>(), sp.GetRequiredService<IMessageStore>(),
            sp.GetRequiredService<IChatUserDirectory>(), sp.GetRequiredService<IChatEventPublisher>(),
            sp.GetRequiredService<ChatChangeParticipation>(), sp.GetRequiredService<PresenceService>(), sp.GetRequiredService<MessagingService>(),
            sp.GetRequiredService<ChatAccess>(), sp.GetRequiredService<MessageDetails>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<ChatEngineOptions>>()));
        services.TryAddScoped(sp => new ChatChanges(
            sp.GetRequiredService<IChatStore>(), sp.GetRequiredService<IMessageStore>(), sp.GetRequiredService<IChatUserDirectory>(),
            sp.GetRequiredService<ChatAccess>(), sp.GetRequiredService<MessageDetails>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<ChatEngineOptions>>()));
        services.TryAddScoped(sp => new ChatPush(
            sp.GetService<IChatPushSubscriptionStore>(), sp.GetRequiredService<IChatStore>(), sp.GetRequiredService<IChatMemberStore>(),
            sp.GetRequiredService<IMessageStore>(), sp.GetRequiredService<IChatUserDirectory>(), sp.GetServices<IChatPushSender>(),
            sp.GetService<IChatModerationStore>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<ChatEngineOptions>>()));
        services.TryAddScoped(sp => new ChatSync(
            sp.GetRequiredService<ChatService>(), sp.GetRequiredService<ChatChanges>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<ChatEngineOptions>>()));
        services.TryAddScoped(sp => new GroupService(
            sp.GetRequiredService<IChatStore>(), sp.GetRequiredService<IChatMemberStore>(), sp.GetRequiredService<IChatUserDirectory>(),
            sp.GetRequiredService<IChatEventPublisher>(), sp.GetRequiredService<ChatAccess>(), sp.GetRequiredService<IChatUnitOfWork>(),
            sp.GetRequiredService<ChatChangeParticipation>(), sp.GetRequiredService<ChatChangeRecorder>(), sp.GetRequiredService<AttachmentService>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<ChatEngineOptions>>()));
        services.TryAddScoped(sp => new MessageChangeService(
            sp.GetRequiredService<IMessageStore>(), sp.GetRequiredService<IChatMemberStore>(), sp.GetRequiredService<IChatUserDirectory>(),
            sp.GetRequiredService<IChatEventPublisher>(), sp.GetRequiredService<ChatAccess>(), sp.GetRequiredService<IChatUnitOfWork>(),
            sp.GetRequiredService<ChatChangeRecorder>(), sp.GetRequiredService<MessageDetails>(), sp.GetRequiredService<AttachmentService>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<ChatEngineOptions>>()));
        services.TryAddScoped(sp => new ModerationService(
            sp.GetService<IChatModerationStore>(), sp.GetRequiredService<IChatMemberStore>(), sp.GetRequiredService<IMessageStore>(), sp.GetRequiredService<MessageChangeService>(),
            sp.GetRequiredService<IChatUserDirectory>(), sp.GetRequiredService<IChatEventPublisher>(), sp.GetRequiredService<ChatAccess>(),
            sp.GetServices<IModerationSink>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<ChatEngineOptions>>(),
            sp.GetService<ILogger<ModerationService>>() ?? NullLogger<ModerationService>.Instance));
        services.TryAddScoped(sp => new ChatUserData(
            sp.GetService<IChatUserDataStore>(), sp.GetRequiredService<IChatStore>(), sp.GetRequiredService<IChatMemberStore>(), sp.GetRequiredService<IMessageStore>(),
            sp.GetRequiredService<IChatUserDirectory>(), sp.GetService<IChatPushSubscriptionStore>(), sp.GetRequiredService<IChatEventPublisher>(),
            sp.GetRequiredService<ChatAccess>(), sp.GetRequiredService<GroupService>(), sp.GetRequiredService<MessageChangeService>(),
            sp.GetRequiredService<AttachmentService>(), sp.GetRequiredService<ModerationService>(), sp.GetRequiredService<IServiceScopeFactory>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<ChatEngineOptions>>()));
        services.TryAddScoped<IUserErasure>(sp => sp.GetRequiredService<ChatUserData>());
        services.TryAddScoped(sp => new MessageSearch(
            sp.GetService<ISearchIndex>(), sp.GetRequiredService<IChatStore>(), sp.GetRequiredService<IChatUserDirectory>(), sp.GetRequiredService<ChatAccess>(),
            sp.GetRequiredService<IOptions<ChatEngineOptions>>()));
        services.TryAddScoped(sp => new ChatRetention(
            sp.GetService<IMessageRetentionStore>(), sp.GetRequiredService<AttachmentService>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<ChatEngineOptions>>()));
        return new ChatEngineBuilder(services);
    }
}
