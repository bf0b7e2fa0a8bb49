using ChatEngine.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Health checks for ChatEngine's EF Core storage.</summary>
public static class ChatEngineHealthChecksBuilderExtensions
{
    /// <summary>
    /// Reports the chat database unhealthy when <typeparamref name="TContext"/> cannot reach it, for the
    /// host's health endpoint (<c>app.MapHealthChecks("/health")</c>).
    /// </summary>
    public static IHealthChecksBuilder AddChatEngineDatabase<TContext>(this IHealthChecksBuilder builder, string name = "chatengine-database")
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddCheck<ChatDatabaseHealthCheck<TContext>>(name, tags: ["chatengine", "database"]);
    }
}
