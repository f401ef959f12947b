using System.Diagnostics.Metrics;

namespace Helix.Orchestrator.Worker;

/// <summary>The Orchestrator's own metrics; the engine's (runs by outcome, step and checkpoint latency) come from Helix.Workflows.</summary>
internal sealed class OrchestratorMetrics
{
    public const string MeterName = "Helix.Orchestrator";

    private readonly Counter<long> _events;
    private long _queuePending;

    public OrchestratorMetrics(IMeterFactory meters, RunScheduler scheduler)
    {
        var meter = meters.Create(MeterName);
        _events = meter.CreateCounter<long>("helix.orchestrator.events", "{event}", "Events by outcome");
        meter.CreateObservableGauge("helix.orchestrator.queue.pending", () => Interlocked.Read(ref _queuePending), "{event}", "Events waiting in the consumer (queue lag)");
        meter.CreateObservableGauge("helix.orchestrator.runs.active", () => scheduler.Active, "{run}", "Runs executing in this process");
    }

    public void Event(string outcome) => _events.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void QueuePending(long pending) => Interlocked.Exchange(ref _queuePending, pending);
}
