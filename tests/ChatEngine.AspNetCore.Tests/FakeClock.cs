using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>Moving a fake clock on while the app's timers run on it (the outbox worker's polls, the push delay).</summary>
internal static class FakeClock
{
    /// <summary>
    /// Advances the clock 2 s at a time, pausing <paramref name="pauseMilliseconds"/> between steps, until
    /// <paramref name="done"/> completes; fails with <paramref name="failure"/> after <paramref name="withinSeconds"/> of real time.
    /// </summary>
    public static async Task AdvanceUntilAsync(this FakeTimeProvider time, Task done, string failure, int withinSeconds = 20, int pauseMilliseconds = 100)
    {
        var deadline = DateTime.UtcNow.AddSeconds(withinSeconds);
        while (!done.IsCompleted)
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            time.Advance(TimeSpan.FromSeconds(2));
            await Task.WhenAny(done, Task.Delay(pauseMilliseconds));
        }
    }
}
