using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace ChatEngine.AspNetCore.Tests;

/// <summary>
/// Records what one server's <c>ChatEngine</c> meter measures, by instrument. The meter comes from the
/// app's IMeterFactory, so only this server's measurements count, not any other's in the process.
/// </summary>
public sealed class ChatMeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, double> _sums = new();
    private readonly ConcurrentDictionary<string, int> _counts = new();
    private readonly ConcurrentDictionary<string, string?> _units = new();

    public ChatMeterRecorder(ChatServer server)
    {
        var ours = server.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ChatEngineMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, ours))
            {
                _units[instrument.Name] = instrument.Unit;
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Record(instrument.Name, value));
        _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => Record(instrument.Name, value));
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => Record(instrument.Name, value));
        _listener.Start();
    }

    /// <summary>The sum of what the instrument measured.</summary>
    public double Sum(string instrument) => _sums.GetValueOrDefault(instrument);

    /// <summary>How many measurements the instrument made.</summary>
    public int Count(string instrument) => _counts.GetValueOrDefault(instrument);

    public string? Unit(string instrument) => _units.GetValueOrDefault(instrument);

    public void Dispose() => _listener.Dispose();

    private void Record(string name, double value)
    {
        _sums.AddOrUpdate(name, value, (_, sum) => sum + value);
        _counts.AddOrUpdate(name, 1, (_, count) => count + 1);
    }
}
