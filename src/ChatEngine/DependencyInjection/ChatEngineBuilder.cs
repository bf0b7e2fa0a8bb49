namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures ChatEngine's services: stores, the user directory, event handlers and transports extend it.</summary>
public sealed class ChatEngineBuilder
{
    internal ChatEngineBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection ChatEngine registers into.</summary>
    public IServiceCollection Services { get; }
}
