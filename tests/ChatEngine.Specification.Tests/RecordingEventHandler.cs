using System.Collections.Concurrent;

namespace ChatEngine.Specification.Tests;

/// <summary>Records every published event so tests can see what clients would have been told.</summary>
public sealed class RecordingEventHandler : IChatEventHandler
{
    private readonly ConcurrentQueue<ChatEvent> _events = new();

    public IReadOnlyList<ChatEvent> All => _events.ToArray();

    public IReadOnlyList<T> OfType<T>() where T : ChatEvent => _events.OfType<T>().ToArray();

    public void Clear() => _events.Clear();

    public ValueTask HandleAsync(ChatEvent chatEvent, CancellationToken cancellationToken)
    {
        _events.Enqueue(chatEvent);
        return ValueTask.CompletedTask;
    }
}
