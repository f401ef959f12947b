using System.Diagnostics.Metrics;

namespace Helix.Remediation;

/// <summary>Signals in, requests refused, decisions out; exported on <c>/metrics</c>.</summary>
internal sealed class RemediationMetrics : IDisposable
{
    public const string MeterName = "Helix.Remediation";

    private readonly Meter _meter;
    private readonly Counter<long> _signals;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _decisions;

    public RemediationMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _signals = _meter.CreateCounter<long>("helix.remediation.signals", "{signal}", "Signals by source and result (recorded, duplicate, resolved, ignored)");
        _refused = _meter.CreateCounter<long>("helix.remediation.refused", "{request}", "Signal requests refused, by source and reason");
        _decisions = _meter.CreateCounter<long>("helix.remediation.decisions", "{decision}", "Decisions by outcome");
    }

    public void Signals(string source, string result, int count)
    {
        if (count > 0)
        {
            _signals.Add(count, new("source", source), new("result", result));
        }
    }

    public void Refused(string source, string reason) => _refused.Add(1, new("source", source), new("reason", reason));

    public void Decided(string outcome) => _decisions.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Dispose() => _meter.Dispose();
}
