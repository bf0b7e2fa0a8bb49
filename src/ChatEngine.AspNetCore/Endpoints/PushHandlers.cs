using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ChatEngine.AspNetCore;

/// <summary><c>/push/…</c> (contract v2, section 5): the VAPID key, and the caller's push subscriptions.</summary>
internal static class PushHandlers
{
    public static Ok<VapidKeyResponse> VapidKey(ChatPush push) => TypedResults.Ok(new VapidKeyResponse(push.VapidPublicKey));

    public static async Task<Ok<List<PushSubscriptionResponse>>> List(HttpContext context, ChatPush push, CancellationToken cancellationToken)
    {
        var subscriptions = await push.GetSubscriptionsAsync(ChatRequestContext.UserId(context), cancellationToken);
        return TypedResults.Ok(subscriptions.Select(s => new PushSubscriptionResponse(
            s.Id, s.Kind, s.Kind == ChatPush.WebPushKind && Uri.TryCreate(s.Endpoint, UriKind.Absolute, out var url) ? url.Host : null, s.DeviceId, WireTime.Format(s.CreatedAt))).ToList());
    }

    public static async Task<Results<Created<SubscriptionIdResponse>, Ok<SubscriptionIdResponse>>> Subscribe(
        HttpContext context, [FromBody] PushSubscriptionRequest request, ChatPush push, CancellationToken cancellationToken)
    {
        var (id, created) = await push.SubscribeAsync(
            ChatRequestContext.UserId(context), request.Kind, request.Endpoint ?? request.Token, request.Keys?.P256dh, request.Keys?.Auth, request.DeviceId, cancellationToken);
        var answer = new SubscriptionIdResponse(id);
        return created ? TypedResults.Created($"/push/subscriptions/{id}", answer) : TypedResults.Ok(answer);
    }

    public static async Task<NoContent> Unsubscribe(HttpContext context, long id, ChatPush push, CancellationToken cancellationToken)
    {
        await push.UnsubscribeAsync(ChatRequestContext.UserId(context), id, cancellationToken);
        return TypedResults.NoContent();
    }
}

internal sealed record VapidKeyResponse([property: JsonPropertyName("public_key")] string PublicKey);

internal sealed record SubscriptionIdResponse([property: JsonPropertyName("id")] long Id);

internal sealed record PushSubscriptionResponse(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("endpoint_host")] string? EndpointHost,
    [property: JsonPropertyName("device_id")] string? DeviceId,
    [property: JsonPropertyName("created")] string Created);

internal sealed record PushKeys(
    [property: JsonPropertyName("p256dh")] string? P256dh,
    [property: JsonPropertyName("auth")] string? Auth);

internal sealed record PushSubscriptionRequest(
    [property: JsonPropertyName("kind")] string? Kind,
    [property: JsonPropertyName("endpoint")] string? Endpoint,
    [property: JsonPropertyName("keys")] PushKeys? Keys,
    [property: JsonPropertyName("device_id")] string? DeviceId,
    [property: JsonPropertyName("token")] string? Token);
