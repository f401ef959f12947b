using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Helix.Webhooks;

/// <summary>Outcomes of deliveries, as metric label values.</summary>
internal static class Outcomes
{
    public const string Accepted = "accepted";
    public const string Duplicate = "duplicate";
    public const string Challenge = "challenge";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string UnknownSource = "unknown_source";
    public const string TooLarge = "too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string RateLimited = "rate_limited";
    public const string BodyTimeout = "body_timeout";
    public const string Aborted = "aborted";
    public const string BadBody = "bad_body";
    public const string MissingSignature = "missing_signature";
    public const string BadSignature = "bad_signature";
    public const string Stale = "stale_timestamp";
    public const string Unprocessable = "unprocessable";
    public const string Replay = "replay";
    public const string Unavailable = "unavailable";
    public const string Refused = "refused";
    public const string Failed = "failed";
}

internal sealed class ReceiverMetrics : IDisposable
{
    public const string MeterName = "Helix.Webhooks";

    public static readonly ActivitySource ActivitySource = new(MeterName);

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _enqueue;

    public ReceiverMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateCounter<long>("helix.webhooks.requests", "{request}",
            "Webhook deliveries by source and outcome");
        _enqueue = _meter.CreateHistogram("helix.webhooks.enqueue.duration", "s",
            "Time from the start of the publish to JetStream's acknowledgement",
            advice: new InstrumentAdvice<double>
            {
                HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
            });
    }

    public void Count(string source, string outcome) =>
        _requests.Add(1, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("outcome", outcome));

    public void Enqueued(string source, TimeSpan elapsed) =>
        _enqueue.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("source", source));

    public void Dispose() => _meter.Dispose();
}
