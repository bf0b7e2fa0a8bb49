using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatEngine.AspNetCore;

/// <summary>
/// Sends webhook deliveries: a JSON body made at the first attempt (the change as it is then, with its
/// chat) and kept for every retry, signed per secret as <c>sha256=hex(HMAC(secret, timestamp + "." + body))</c>.
/// A 2xx within the timeout is success; a 410 stops; anything else is retried after about 10 s, 1 min,
/// 10 min, 1 h and 6 h (or the receiver's <c>Retry-After</c>), until <see cref="ChatWebhookOptions.MaxAttempts"/>.
/// </summary>
internal sealed partial class WebhookDeliverer(
    IHttpClientFactory http, IOptions<ChatWebhookOptions> options, TimeProvider time, ChatEngineMetrics metrics, ILogger<WebhookDeliverer> logger) : IOutboxDeliverer
{
    public const string HttpClientName = "ChatEngine.Webhooks";

    private static readonly TimeSpan[] RetryAfter =
    [
        TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1), TimeSpan.FromHours(6),
    ];

    public string Kind => WebhookOutboxWriter.Kind;

    public bool IsEnabled => options.Value.Endpoints.Count > 0;

    public TimeSpan Lease => (options.Value.Timeout * 2) + TimeSpan.FromSeconds(1);

    public async Task<OutboxMessage?> DeliverAsync(OutboxMessage message, IServiceProvider services, CancellationToken cancellationToken)
    {
        var endpoint = options.Value.Endpoints.FirstOrDefault(e => e.Url == message.Target);
        if (endpoint is null)
        {
            return GiveUp(message, "The endpoint is no longer configured.");
        }

        if (message.Attempts > options.Value.MaxAttempts)
        {
            // Its Attempts include this one (the claim counted it): the last ones began on hosts that
            // stopped before they recorded them.
            return GiveUp(message, message.LastError ?? "Every attempt ended with its host.");
        }

        // The timeout holds the whole attempt, its body's making included (database reads, which on a
        // busy host just started can take seconds), so the lease, twice as long, lasts until the outcome
        // is recorded: otherwise another host may claim the delivery while this one is still sending it.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        var reference = JsonSerializer.Deserialize(message.Payload, ChatJsonContext.Default.WebhookEventReference)!;
        string body;
        try
        {
            body = message.Body ?? await MakeBodyAsync(message.DeliveryId, reference, services, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return AfterFailure(message, $"Its body was not ready within {options.Value.Timeout.TotalSeconds:0.#} s.", retryAfter: null);
        }

        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-ChatEngine-Event", reference.Type);
        request.Headers.Add("X-ChatEngine-Delivery", message.DeliveryId);
        request.Headers.Add("X-ChatEngine-Timestamp", timestamp);
        request.Headers.Add("X-ChatEngine-Signature", Sign(endpoint.Secrets, timestamp, body));

        string error;
        TimeSpan? retryAfter = null;
        try
        {
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return message with { Body = body, State = OutboxState.Delivered, DeliveredAt = time.GetUtcNow(), LastError = null };
            }

            error = $"HTTP {(int)response.StatusCode}";
            if (response.StatusCode == HttpStatusCode.Gone)
            {
                return GiveUp(message with { Body = body }, error + ": the receiver is gone.");
            }

            retryAfter = response.Headers.RetryAfter switch
            {
                { Delta: { } delta } => delta,
                { Date: { } date } => date - time.GetUtcNow(),
                _ => null,
            };
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            error = ex is OperationCanceledException ? $"No answer within {options.Value.Timeout.TotalSeconds:0.#} s." : ex.Message;
        }

        return AfterFailure(message with { Body = body }, error, retryAfter);
    }

    /// <summary>Due again after a while (the receiver's <c>Retry-After</c>, or the next step of the schedule), or given up after the last attempt.</summary>
    private OutboxMessage AfterFailure(OutboxMessage message, string error, TimeSpan? retryAfter)
    {
        if (message.Attempts >= options.Value.MaxAttempts)
        {
            return GiveUp(message, error);
        }

        var wait = retryAfter is { } asked && asked > TimeSpan.Zero
            ? TimeSpan.FromTicks(Math.Min(asked.Ticks, RetryAfter[^1].Ticks))
            : RetryAfter[Math.Clamp(message.Attempts, 1, RetryAfter.Length) - 1];
        return message with { DueAt = time.GetUtcNow() + wait, LastError = Truncate(error) };
    }

    /// <summary>One <c>sha256=</c> per secret, so receivers can rotate secrets without missing a delivery.</summary>
    public static string Sign(IEnumerable<string> secrets, string timestamp, string body)
    {
        var signed = Encoding.UTF8.GetBytes(timestamp + "." + body);
        return string.Join(",", secrets.Select(secret => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed))));
    }

    /// <summary>The body: the change as it is now (read from the log), with its chat; a chat deleted since gives what the reference says.</summary>
    private static async Task<string> MakeBodyAsync(string deliveryId, WebhookEventReference reference, IServiceProvider services, CancellationToken cancellationToken)
    {
        var chat = reference.ChatId == 0 ? null : await services.GetRequiredService<IChatStore>().FindByIdAsync(reference.ChatId, cancellationToken).ConfigureAwait(false);
        ReadOnlyMemory<byte> data = reference.Data is { } carried ? JsonSerializer.SerializeToUtf8Bytes(carried, ChatJsonContext.Default.JsonElement) : default;
        if (chat is not null && data.IsEmpty)
        {
            var page = await services.GetRequiredService<ChatChanges>().ReadForDeliveryAsync(reference.ChatId, reference.Seq - 1, 1, cancellationToken).ConfigureAwait(false);
            if (page.Events is [{ } change] && ChatEventFanOut.ToBroadcast(change, services.GetRequiredService<AttachmentLinks>()) is { Seq: var seq } broadcast && seq == reference.Seq)
            {
                data = broadcast.Frame;
            }
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("delivery", deliveryId);
            json.WriteString("type", reference.Type);
            json.WriteString("time", reference.Time);
            if (reference.ChatId == 0)
            {
                json.WriteNull("chat"); // About no chat (user_erased).
            }
            else
            {
                WriteChat(json, reference.ChatId, chat);
            }

            json.WritePropertyName("data");
            if (data.IsEmpty)
            {
                // Gone with its chat: what the change was, without the state it left.
                JsonSerializer.Serialize(json, reference, ChatJsonContext.Default.WebhookEventReference);
            }
            else
            {
                json.WriteRawValue(data.Span, skipInputValidation: true);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteChat(Utf8JsonWriter json, long chatId, Chat? chat)
    {
        json.WriteStartObject("chat");
        json.WriteNumber("id", chatId);
        json.WriteString("kind", chat?.Kind == ChatKind.Private ? "private" : "group");
        if (chat?.Kind == ChatKind.Group)
        {
            json.WriteString("name", chat.Name);
        }
        else
        {
            json.WriteNull("name");
        }

        json.WriteEndObject();
    }

    private OutboxMessage GiveUp(OutboxMessage message, string error)
    {
        metrics.WebhookFailed();
        LogGaveUp(logger, message.DeliveryId, message.Target, message.Attempts, error);
        return message with { State = OutboxState.Failed, LastError = Truncate(error) };
    }

    private static string Truncate(string error) => error.Length <= 1000 ? error : error[..1000];

    [LoggerMessage(EventId = 3102, Level = LogLevel.Error, Message = "Webhook delivery {DeliveryId} to {Url} was given up after {Attempts} attempts: {Error}")]
    private static partial void LogGaveUp(ILogger logger, string deliveryId, string url, int attempts, string error);
}
