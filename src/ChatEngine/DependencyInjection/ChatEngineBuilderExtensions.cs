using ChatEngine;
using ChatEngine.InMemory;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Store, directory and event-handler registration on <see cref="ChatEngineBuilder"/>.</summary>
public static class ChatEngineBuilderExtensions
{
    /// <summary>Keeps chats, messages and read state in memory (lost at restart): for tests and demos.</summary>
    public static ChatEngineBuilder AddInMemoryStores(this ChatEngineBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<InMemoryChatStore>();
        builder.Services.TryAddSingleton<IChatStore>(sp => sp.GetRequiredService<InMemoryChatStore>());
        builder.Services.TryAddSingleton<IChatMemberStore>(sp => sp.GetRequiredService<InMemoryChatStore>());
        builder.Services.TryAddSingleton<IMessageStore>(sp => sp.GetRequiredService<InMemoryChatStore>());
        builder.Services.TryAddSingleton<ILastSeenStore>(sp => sp.GetRequiredService<InMemoryChatStore>());
        builder.Services.TryAddSingleton<IChatUserKeyStore>(sp => sp.GetRequiredService<InMemoryChatStore>());
        builder.Services.TryAddSingleton<IChatHandleStore>(sp => sp.GetRequiredService<InMemoryChatStore>());
        builder.Services.TryAddSingleton<IChatModerationStore>(sp => sp.GetRequiredService<InMemoryChatStore>());
        builder.Services.TryAddSingleton<IChatUserDataStore>(sp => sp.GetRequiredService<InMemoryChatStore>());
        builder.Services.TryAddSingleton<ISearchIndex>(sp => sp.GetRequiredService<InMemoryChatStore>());
        builder.Services.TryAddSingleton<IChatOutboxStore, InMemoryOutboxStore>();
        builder.Services.TryAddSingleton<IChatPushSubscriptionStore, InMemoryPushSubscriptionStore>();
        return builder;
    }

    /// <summary>
    /// Keeps attachments' bytes as files under <paramref name="root"/> (created when missing), replacing
    /// any attachment store registered before. Records of them stay in the chat store.
    /// </summary>
    public static ChatEngineBuilder AddFileSystemAttachments(this ChatEngineBuilder builder, string root)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(root);
        return builder.AddAttachmentStore(_ => new FileSystemAttachmentStore(root));
    }

    /// <summary>Keeps attachments' bytes in the store <paramref name="factory"/> makes (a singleton), replacing any registered before.</summary>
    public static ChatEngineBuilder AddAttachmentStore(this ChatEngineBuilder builder, Func<IServiceProvider, IAttachmentStore> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.RemoveAll<IAttachmentStore>();
        builder.Services.AddSingleton(factory);
        return builder;
    }

    /// <summary>Adds a check of every upload before it is kept, such as an antivirus (see <see cref="IAttachmentScanner"/>); scanners run in the order added.</summary>
    public static ChatEngineBuilder AddAttachmentScanner<TScanner>(this ChatEngineBuilder builder)
        where TScanner : class, IAttachmentScanner
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Scoped<IAttachmentScanner, TScanner>());
        return builder;
    }

    /// <summary>Reads images and makes their thumbnails with <typeparamref name="TProcessor"/> (a singleton), replacing any registered before.</summary>
    public static ChatEngineBuilder AddAttachmentImageProcessor<TProcessor>(this ChatEngineBuilder builder)
        where TProcessor : class, IAttachmentImageProcessor
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IAttachmentImageProcessor>();
        builder.Services.AddSingleton<IAttachmentImageProcessor, TProcessor>();
        return builder;
    }

    /// <summary>
    /// Adds a sender of pushes of a kind ChatEngine does not send itself (FCM, APNs): subscriptions of
    /// its kind are then accepted, and pushed through it (scoped).
    /// </summary>
    public static ChatEngineBuilder AddPushSender<TSender>(this ChatEngineBuilder builder)
        where TSender : class, IChatPushSender
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Scoped<IChatPushSender, TSender>());
        return builder;
    }

    /// <summary>Adds a participant told when a user's chat data is erased (see <see cref="IUserErasureParticipant"/>), scoped.</summary>
    public static ChatEngineBuilder AddUserErasureParticipant<TParticipant>(this ChatEngineBuilder builder)
        where TParticipant : class, IUserErasureParticipant
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Scoped<IUserErasureParticipant, TParticipant>());
        return builder;
    }

    /// <summary>Adds the host's hook for new reports (see <see cref="IModerationSink"/>), scoped.</summary>
    public static ChatEngineBuilder AddModerationSink<TSink>(this ChatEngineBuilder builder)
        where TSink : class, IModerationSink
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Scoped<IModerationSink, TSink>());
        return builder;
    }

    /// <summary>
    /// Adds a participant in the transaction of every numbered change (see <see cref="IChatChangeParticipant"/>),
    /// scoped, so it can write through the scope's store (the DbContext that carries the transaction).
    /// </summary>
    public static ChatEngineBuilder AddChangeParticipant<TParticipant>(this ChatEngineBuilder builder)
        where TParticipant : class, IChatChangeParticipant
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Scoped<IChatChangeParticipant, TParticipant>());
        return builder;
    }

    /// <summary>Uses <typeparamref name="TDirectory"/> to read the host's users.</summary>
    public static ChatEngineBuilder AddUserDirectory<TDirectory>(this ChatEngineBuilder builder)
        where TDirectory : class, IChatUserDirectory
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IChatUserDirectory>();
        builder.Services.AddScoped<IChatUserDirectory, TDirectory>();
        return builder;
    }

    /// <summary>Uses the given directory instance to read the host's users.</summary>
    public static ChatEngineBuilder AddUserDirectory(this ChatEngineBuilder builder, IChatUserDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(directory);
        builder.Services.RemoveAll<IChatUserDirectory>();
        builder.Services.AddSingleton(directory);
        return builder;
    }

    /// <summary>
    /// Adds a handler that receives every chat event (for example to send push notifications). It
    /// runs on a queue of its own, in publish order and off every sender's path: a slow or blocked
    /// handler stalls nobody else. Falling <paramref name="queueCapacity"/> events behind, it misses
    /// the next ones (logged, event 1002) rather than holding anything up.
    /// </summary>
    public static ChatEngineBuilder AddEventHandler<THandler>(this ChatEngineBuilder builder, int queueCapacity = 10_000)
        where THandler : class, IChatEventHandler
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCapacity, 1);
        if (builder.Services.Any(d => d.ServiceType == typeof(QueuedChatEventHandler<THandler>)))
        {
            return builder;
        }

        builder.Services.TryAddSingleton<THandler>();
        builder.Services.AddSingleton(sp => new QueuedChatEventHandler<THandler>(
            sp.GetRequiredService<THandler>(), queueCapacity, sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<QueuedChatEventHandler<THandler>>>()));
        builder.Services.AddSingleton<IChatEventHandler>(sp => sp.GetRequiredService<QueuedChatEventHandler<THandler>>());
        return builder;
    }

    /// <summary>
    /// Shows users to each other by public handles of ChatEngine's own instead of the directory's
    /// user names, for apps whose user names are e-mail addresses (Identity's templates): a user's
    /// handle is made from the part of their user name before the <c>@</c> (<c>ann</c>, then
    /// <c>ann2</c>… when taken) the first time chat shows them, kept by the store, and is what the
    /// wire's <c>username</c> carries. Others find a user by part of their handle, or by their exact
    /// user name, which is never matched by parts. Call it after the user directory is added.
    /// </summary>
    public static ChatEngineBuilder AddChatHandles(this ChatEngineBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var directory = builder.Services.LastOrDefault(d => d.ServiceType == typeof(IChatUserDirectory))
            ?? throw new InvalidOperationException("Add the user directory first (AddUserDirectory), then AddChatHandles(): the handles stand in for its user names.");
        if (directory.ImplementationType == typeof(ChatHandleDirectory) || directory.ImplementationFactory?.Target is HandleDecoration)
        {
            return builder;
        }

        builder.Services.Remove(directory);
        builder.Services.TryAddSingleton<ChatHandleCache>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<ChatEngineOptions>, ChatHandleStoreValidator>());
        builder.Services.Add(new ServiceDescriptor(typeof(IChatUserDirectory), new HandleDecoration(directory).Create, directory.Lifetime));
        return builder;
    }

    /// <summary>Builds the app's directory as it was registered, wrapped in its handles.</summary>
    private sealed class HandleDecoration(ServiceDescriptor directory)
    {
        public object Create(IServiceProvider services)
        {
            var users = (IChatUserDirectory)(directory.ImplementationInstance
                ?? directory.ImplementationFactory?.Invoke(services)
                ?? ActivatorUtilities.CreateInstance(services, directory.ImplementationType!));
            return new ChatHandleDirectory(users, services.GetRequiredService<IChatHandleStore>(), services.GetRequiredService<ChatHandleCache>());
        }
    }

    /// <summary>Replaces the presence tracker, for example with one shared by several hosts.</summary>
    public static ChatEngineBuilder AddPresenceTracker<TTracker>(this ChatEngineBuilder builder)
        where TTracker : class, IPresenceTracker
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IPresenceTracker>();
        builder.Services.AddSingleton<IPresenceTracker, TTracker>();
        return builder;
    }
}
