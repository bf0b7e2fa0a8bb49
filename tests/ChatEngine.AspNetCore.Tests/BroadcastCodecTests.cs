using System.Text;
using ChatEngine.AspNetCore;
using ChatEngine.Redis;
using Xunit;

namespace ChatEngine.AspNetCore.Tests;

public sealed class BroadcastCodecTests
{
    [Fact]
    public void Broadcast_SurvivesTheTripThroughRedis_FrameBytesUntouched()
    {
        var origin = Guid.NewGuid();
        var frame = Encoding.UTF8.GetBytes("""{"type":"status","user":3,"username":"bob","is_online":false,"lastseen":"2026-11-24T10:00:00Z"}""");
        var sent = new ChatBroadcast(BroadcastKind.Status, [4, 9, long.MaxValue], frame, "status", Seq: 12, MessageId: 99, UserId: 3);

        Assert.True(BroadcastCodec.TryDecode(BroadcastCodec.Encode(origin, sent), out var from, out var received));

        Assert.Equal(origin, from);
        Assert.Equal((sent.Kind, sent.Seq, sent.MessageId, sent.UserId, sent.EventName), (received!.Kind, received.Seq, received.MessageId, received.UserId, received.EventName));
        Assert.Equal(sent.ChatIds, received.ChatIds);
        Assert.Equal(frame, received.Frame);
    }

    [Fact]
    public void DeletionOfAWholeChat_CarriesNoUser_AndKeepsItsEventName()
    {
        var sent = new ChatBroadcast(BroadcastKind.ChatDeleted, [5], Encoding.UTF8.GetBytes("{}"), "chat_deleted", Seq: 7);
        Assert.True(BroadcastCodec.TryDecode(BroadcastCodec.Encode(Guid.NewGuid(), sent), out _, out var received));
        Assert.Null(received!.UserId);
        Assert.Equal(("chat_deleted", 7L, BroadcastKind.ChatDeleted), (received.EventName, received.Seq, received.Kind));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 2, 0, 0 })]
    [InlineData(new byte[] { 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 255, 255, 255, 127 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    public void AnythingElseOnTheChannel_IsIgnored(byte[] payload) =>
        Assert.False(BroadcastCodec.TryDecode(payload, out _, out _));
}
