using ChatEngine.AspNetCore;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>
/// Per-chat ordering of broadcasts that arrive out of order (concurrent senders, several hosts): held
/// until the gap fills, read from the store when it does not, never delivered twice, never lost.
/// </summary>
public sealed class ChatEventOrderingTests
{
    private const long Chat = 7;

    private readonly FakeTimeProvider _time = new();
    private readonly List<long> _delivered = [];
    private readonly System.Threading.Channels.Channel<long> _deliveries = System.Threading.Channels.Channel.CreateUnbounded<long>();
    private readonly Dictionary<long, bool> _inStore = [];
    private bool _storeDown;

    private readonly HashSet<long> _watched = [Chat];

    private ChatEventOrdering NewOrdering() => new(_time, (chatId, from, until) =>
    {
        if (_storeDown)
        {
            throw new InvalidOperationException("store down");
        }

        IReadOnlyList<(long, Action)> missed = _inStore.Keys.Where(s => s >= from && s < until).Order()
            .Select(s => (s, (Action)(() => Deliver(s)))).ToList();
        return Task.FromResult(missed);
    }, _watched.Contains);

    [Fact]
    public async Task MessagesThatRunAhead_AreHeldUntilTheGapFills()
    {
        var ordering = NewOrdering();
        Send(ordering, 1, 3, 2, 5, 4);
        await AssertDeliveredAsync(1, 2, 3, 4, 5);
    }

    [Fact]
    public async Task AGapThatDoesNotFill_IsReadFromTheStore_AndTheLateBroadcastIsNotRepeated()
    {
        var ordering = NewOrdering();
        _inStore[2] = _inStore[3] = true;
        Send(ordering, 1, 4);
        await AdvanceAsync(TimeSpan.FromSeconds(1));
        await AssertDeliveredAsync(1, 2, 3, 4);

        Send(ordering, 2, 3); // Their broadcasts turn up after all.
        Assert.Equal([1L, 2, 3, 4], Delivered());
    }

    [Fact]
    public async Task WithTheStoreDownToo_TheGapIsSkipped_AndALateBroadcastStillArrives()
    {
        var ordering = NewOrdering();
        _storeDown = true;
        Send(ordering, 1, 3);
        await AdvanceAsync(TimeSpan.FromSeconds(1));
        await AssertDeliveredAsync(1, 3);

        Send(ordering, 2);
        Assert.Equal([1L, 3, 2], Delivered());
    }

    [Fact]
    public async Task AMessageBelowTheFirstOneSeen_IsDelivered_NotMistakenForARepeat()
    {
        var ordering = NewOrdering();
        Send(ordering, 10, 11);
        await AdvanceAsync(TimeSpan.FromMilliseconds(50));
        await AssertDeliveredAsync(10, 11);                 // The chat anchored at 10.
        Send(ordering, 9);                                  // Committed earlier, relayed later.
        Assert.Equal([10L, 11, 9], Delivered());
    }

    [Fact]
    public async Task CatchUp_ReadsWhatAWatchedChatMissed_AfterTheLastDelivered()
    {
        var ordering = NewOrdering();
        Send(ordering, 1, 2);
        _inStore[3] = _inStore[4] = true; // Committed on another host while Redis was away.
        await ordering.CatchUpAsync();
        Send(ordering, 4, 5);
        Assert.Equal([1L, 2, 3, 4, 5], Delivered());
    }

    [Fact]
    public async Task ADeliveryThatBlocks_HoldsUpItsOwnChatOnly()
    {
        var ordering = NewOrdering();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stuck = Task.Run(() => ordering.Deliver(99, 1, () =>
        {
            entered.SetResult();
            release.Task.Wait();
        }));
        await entered.Task;

        // Another chat's messages go out while chat 99's delivery is still stuck.
        var other = Task.Run(() => Send(ordering, 1, 2));
        await other.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([1L, 2], Delivered());

        release.SetResult();
        await stuck;
    }

    [Fact]
    public void ChatsNobodyHereWatches_AreForgotten_OnceManyHaveBeenSeen()
    {
        var ordering = NewOrdering();
        Send(ordering, 1);
        for (long other = 1000; other < 5000; other++)
        {
            ordering.Deliver(other, 1, () => { });
        }

        Assert.InRange(ordering.TrackedChats, 2, 2048);
        Send(ordering, 2); // The watched chat kept its place in line.
        Assert.Equal([1L, 2], Delivered());
    }

    private void Send(ChatEventOrdering ordering, params long[] sequences)
    {
        foreach (var sequence in sequences)
        {
            ordering.Deliver(Chat, sequence, () => Deliver(sequence));
        }
    }

    private void Deliver(long sequence)
    {
        lock (_delivered)
        {
            _delivered.Add(sequence);
            _deliveries.Writer.TryWrite(sequence);
        }
    }

    /// <summary>Waits for as many deliveries as expected (an event per delivery, never a fixed wait), then checks the order.</summary>
    private async Task AssertDeliveredAsync(params long[] expected)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (Delivered().Length < expected.Length)
        {
            await _deliveries.Reader.ReadAsync(timeout.Token);
        }

        Assert.Equal(expected, Delivered());
    }

    private long[] Delivered()
    {
        lock (_delivered)
        {
            return [.. _delivered];
        }
    }

    /// <summary>
    /// Moves the clock on in small steps: a timer's work (a gap closed, the store read) runs inline as
    /// it fires and may start the next timer, which a single long jump would pass by.
    /// </summary>
    private Task AdvanceAsync(TimeSpan by)
    {
        for (var step = TimeSpan.Zero; step <= by; step += TimeSpan.FromMilliseconds(25))
        {
            _time.Advance(TimeSpan.FromMilliseconds(25));
        }

        return Task.CompletedTask;
    }
}
