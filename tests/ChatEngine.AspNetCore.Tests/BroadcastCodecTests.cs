using System.Text;
using ChatEngine.AspNetCore;
using Xunit;

namespace ChatEngine.AspNetCore.Tests;

public sealed class BroadcastCodecTests
{
    [Fact]
    public void Broadcast_SurvivesTheTripThroughRedis_FrameBytesUntouched()
    {
        var origin = Guid.NewGuid();
        var frame = Encoding.UTF8.GetBytes("""{"type":"status","user":3,"username":"bob","is_online":false,"lastseen":"2026-11-24T10:00:00Z"}""");
        var sent = new ChatBroadcast(BroadcastKind.Status, [4, 9, long.MaxValue], frame, Sequence: 12, MessageId: 99, UserId: 3);

        Assert.True(BroadcastCodec.TryDecode(BroadcastCodec.Encode(origin, sent), out var from, out var received));

        Assert.Equal(origin, from);
        Assert.Equal((sent.Kind, sent.Sequence, sent.MessageId, sent.UserId), (received!.Kind, received.Sequence, received.MessageId, received.UserId));
        Assert.Equal(sent.ChatIds, received.ChatIds);
        Assert.Equal(frame, received.Frame);
    }

    [Fact]
    public void RemovalOfAWholeChat_CarriesNoUser()
    {
        var sent = new ChatBroadcast(BroadcastKind.Removed, [5], []);
        Assert.True(BroadcastCodec.TryDecode(BroadcastCodec.Encode(Guid.NewGuid(), sent), out _, out var received));
        Assert.Null(received!.UserId);
        Assert.Empty(received.Frame);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 2, 0, 0 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 255, 255, 255, 127 })]
    public void AnythingElseOnTheChannel_IsIgnored(byte[] payload) =>
        Assert.False(BroadcastCodec.TryDecode(payload, out _, out _));
}
