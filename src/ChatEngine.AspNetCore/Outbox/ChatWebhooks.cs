using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine.AspNetCore;

/// <summary>The host's view of its webhooks: the delivery log (what was sent, is waiting, or was given up, and why).</summary>
public sealed class ChatWebhooks
{
    private readonly IServiceScopeFactory _scopes;

    internal ChatWebhooks(IServiceScopeFactory scopes) => _scopes = scopes;

    /// <summary>The newest webhook deliveries, newest first.</summary>
    public async Task<IReadOnlyList<OutboxMessage>> GetDeliveriesAsync(int limit = 100, CancellationToken cancellationToken = default)
    {
        await using var scope = _scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IChatOutboxStore>()
            .GetRecentAsync(WebhookOutboxWriter.Kind, Math.Clamp(limit, 1, 1000), cancellationToken).ConfigureAwait(false);
    }
}
