using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Sends one push to one device: Web Push itself (encrypted per RFC 8291, VAPID-signed, with
/// <c>TTL</c>, a <c>Topic</c> per chat so a newer push replaces one not yet delivered, and
/// <c>Urgency: high</c> for a mention), other kinds through the host's <see cref="IChatPushSender"/>.
/// A 404 or 410 removes the subscription; a 429 or 5xx is retried 3 times, honouring <c>Retry-After</c>.
/// A push service, or a host's sender, that takes more than 10 s is tried again later too.
/// </summary>
internal sealed partial class PushDeliverer(
    IHttpClientFactory http, PushAvailability availability, IOptions<ChatEngineOptions> options, TimeProvider time, ChatEngineMetrics metrics, ILogger<PushDeliverer> logger)
    : IOutboxDeliverer
{
    public const string Kind = "push_delivery";
    public const string HttpClientName = "ChatEngine.Push";

    private const int MaxAttempts = 4;
    private static readonly TimeSpan[] RetryAfter = [TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5)];
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    string IOutboxDeliverer.Kind => Kind;

    public bool IsEnabled => availability.IsOn;

    public TimeSpan Lease => (Timeout * 2) + TimeSpan.FromSeconds(1);

    public async Task<OutboxMessage?> DeliverAsync(OutboxMessage message, IServiceProvider services, CancellationToken cancellationToken)
    {
        // Its Attempts include this one: the claim counted it.
        if (message.Attempts > MaxAttempts)
        {
            // Its last attempts began on hosts that stopped before they recorded them.
            return GiveUp(message, message.LastError ?? "Every attempt ended with its host.");
        }

        var subscriptions = services.GetRequiredService<IChatPushSubscriptionStore>();
        var subscription = await subscriptions.FindAsync(long.Parse(message.Target, CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        if (subscription is null)
        {
            return message with { State = OutboxState.Failed, LastError = "The subscription was removed." };
        }

        var payload = JsonSerializer.Deserialize(message.Payload, ChatJsonContext.Default.PushPayload)!;
        var (result, error, retryAfter) = subscription.Kind == ChatPush.WebPushKind
            ? await SendWebPushAsync(subscription, message.Payload, payload, cancellationToken).ConfigureAwait(false)
            : await SendThroughHostAsync(services, subscription, payload, cancellationToken).ConfigureAwait(false);
        switch (result)
        {
            case ChatPushResult.Delivered:
                return message with { State = OutboxState.Delivered, DeliveredAt = time.GetUtcNow(), LastError = null };
            case ChatPushResult.Gone:
                await subscriptions.DeleteAsync(subscription.Id, userId: null, cancellationToken).ConfigureAwait(false);
                LogSubscriptionGone(logger, subscription.Id, subscription.UserId);
                return message with { State = OutboxState.Failed, LastError = error };
            case ChatPushResult.RetryLater when message.Attempts < MaxAttempts:
                var wait = retryAfter is { } asked && asked > TimeSpan.Zero ? TimeSpan.FromTicks(Math.Min(asked.Ticks, TimeSpan.FromHours(1).Ticks)) : RetryAfter[Math.Max(message.Attempts, 1) - 1];
                return message with { DueAt = time.GetUtcNow() + wait, LastError = error };
            default:
                return GiveUp(message, error ?? $"The push was {result}.");
        }
    }

    /// <summary>
    /// A push the service (or the host's sender) refused, or that failed every attempt. Logged and
    /// counted, since a wrong VAPID key or a broken sender fails every push and nothing else says so.
    /// </summary>
    private OutboxMessage GiveUp(OutboxMessage message, string error)
    {
        metrics.PushFailed();
        LogGaveUp(logger, message.Target, message.Attempts, error);
        return message with { State = OutboxState.Failed, LastError = error };
    }

    private async Task<(ChatPushResult, string?, TimeSpan?)> SendWebPushAsync(
        ChatPushSubscription subscription, string plaintext, PushPayload payload, CancellationToken cancellationToken)
    {
        var push = options.Value.Push;
        var endpoint = new Uri(subscription.Endpoint);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new ByteArrayContent(WebPushCrypto.Encrypt(System.Text.Encoding.UTF8.GetBytes(plaintext), subscription.P256dh!, subscription.Auth!)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Content.Headers.ContentEncoding.Add("aes128gcm");
        request.Headers.TryAddWithoutValidation("Authorization", WebPushCrypto.VapidAuthorization(
            endpoint, push.VapidSubject ?? "mailto:chat@localhost", push.VapidPublicKey!, push.VapidPrivateKey!, time.GetUtcNow()));
        request.Headers.Add("TTL", ((long)push.TimeToLive.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Topic", $"chat-{payload.ChatId.ToString(CultureInfo.InvariantCulture)}");
        request.Headers.Add("Urgency", payload.Mentioned ? "high" : "normal");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var error = $"HTTP {status}";
            return response.StatusCode switch
            {
                _ when response.IsSuccessStatusCode => (ChatPushResult.Delivered, null, null),
                HttpStatusCode.NotFound or HttpStatusCode.Gone => (ChatPushResult.Gone, error, null),
                HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError => (ChatPushResult.RetryLater, error, response.Headers.RetryAfter?.Delta),
                _ => (ChatPushResult.Failed, error, null),
            };
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (ChatPushResult.RetryLater, ex is OperationCanceledException ? "No answer from the push service." : ex.Message, null);
        }
    }

    private static async Task<(ChatPushResult, string?, TimeSpan?)> SendThroughHostAsync(
        IServiceProvider services, ChatPushSubscription subscription, PushPayload payload, CancellationToken cancellationToken)
    {
        var sender = services.GetServices<IChatPushSender>().FirstOrDefault(s => s.Kind == subscription.Kind);
        if (sender is null)
        {
            return (ChatPushResult.Failed, $"No sender for '{subscription.Kind}' pushes.", null);
        }

        // The same time limit as a Web Push's request: a sender that hangs would otherwise outlive the
        // lease, and another host would push the same message to the device again.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var result = await sender.SendAsync(subscription, payload.ToMessage(), timeout.Token).ConfigureAwait(false);
            return (result, result == ChatPushResult.Delivered ? null : $"The {subscription.Kind} sender answered {result}.", null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (ChatPushResult.RetryLater, $"The {subscription.Kind} sender did not answer within {Timeout.TotalSeconds:0} s.", null);
        }
    }

    [LoggerMessage(EventId = 3111, Level = LogLevel.Information, Message = "Push subscription {SubscriptionId} of user {UserId} is gone; removed it.")]
    private static partial void LogSubscriptionGone(ILogger logger, long subscriptionId, long userId);

    [LoggerMessage(EventId = 3112, Level = LogLevel.Warning, Message = "A push to subscription {SubscriptionId} was given up after {Attempts} attempts: {Error}")]
    private static partial void LogGaveUp(ILogger logger, string subscriptionId, int attempts, string error);
}
