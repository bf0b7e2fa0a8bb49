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

/// <summary>What <see cref="RecordingParticipant"/> was handed.</summary>
public sealed class ParticipantLog
{
    private readonly ConcurrentQueue<ChatLogEntry> _entries = new();

    public IReadOnlyList<ChatLogEntry> All => _entries.ToArray();

    public void Add(IEnumerable<ChatLogEntry> entries)
    {
        foreach (var entry in entries)
        {
            _entries.Enqueue(entry);
        }
    }
}

/// <summary>A change participant that records what it is handed.</summary>
public sealed class RecordingParticipant(ParticipantLog log) : IChatChangeParticipant
{
    public Task OnCommittingAsync(IReadOnlyList<ChatLogEntry> changes, CancellationToken cancellationToken)
    {
        log.Add(changes);
        return Task.CompletedTask;
    }
}

/// <summary>What <see cref="RecordingModerationSink"/> was told.</summary>
public sealed class ReportLog
{
    private readonly ConcurrentQueue<ChatReportView> _reports = new();

    public IReadOnlyList<ChatReportView> All => _reports.ToArray();

    public void Add(ChatReportView report) => _reports.Enqueue(report);
}

/// <summary>A host's moderation hook that records what it is told.</summary>
public sealed class RecordingModerationSink(ReportLog log) : IModerationSink
{
    public Task OnReportedAsync(ChatReportView report, Chat chat, CancellationToken cancellationToken)
    {
        log.Add(report);
        return Task.CompletedTask;
    }
}
