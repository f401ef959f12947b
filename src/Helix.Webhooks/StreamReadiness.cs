using Helix.Events;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Helix.Webhooks;

/// <summary>Ready when connected to NATS and the events stream exists with the configured limits.</summary>
internal sealed class StreamReadiness(INatsConnection connection) : IHealthCheck, IDisposable
{
    private readonly SemaphoreSlim _lost = new(0, 1);
    private volatile bool _provisioned;

    public bool IsProvisioned => _provisioned;

    public void MarkProvisioned() => _provisioned = true;

    /// <summary>The stream is gone (deleted by hand, a lost cluster): not ready until it is provisioned again.</summary>
    public void MarkLost()
    {
        if (_provisioned)
        {
            _provisioned = false;
            try
            {
                _lost.Release();
            }
            catch (SemaphoreFullException)
            {
                // A re-provisioning is already asked for.
            }
        }
    }

    public Task WaitUntilLostAsync(CancellationToken cancellationToken) => _lost.WaitAsync(cancellationToken);

    public void Dispose() => _lost.Dispose();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            connection.ConnectionState != NatsConnectionState.Open ? HealthCheckResult.Unhealthy("not connected to NATS")
            : !_provisioned ? HealthCheckResult.Unhealthy("events stream not provisioned yet")
            : HealthCheckResult.Healthy());
}

/// <summary>
/// Creates or updates the events stream, the bodies bucket and (when a source has a replay window)
/// the replay bucket at start-up; while NATS is not
/// there it keeps trying (the service is not ready meanwhile) instead of failing the pod.
/// </summary>
internal sealed partial class StreamProvisioner(
    INatsConnection connection,
    StreamReadiness readiness,
    IOptions<EventStreamOptions> options,
    WebhookSources sources,
    EventPublisher publisher,
    TimeProvider time,
    ILogger<StreamProvisioner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await ProvisionAsync(stoppingToken).ConfigureAwait(false);
            await readiness.WaitUntilLostAsync(stoppingToken).ConfigureAwait(false);
            LogLost(logger, options.Value.StreamName);
        }
    }

    private async Task ProvisionAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await connection.ConnectAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10), time, stoppingToken).ConfigureAwait(false);
                await EventStreams.EnsureAsync(new NatsJSContext((NatsConnection)connection), options.Value, stoppingToken).ConfigureAwait(false);
                if (sources.LongestReplayWindow is { } window)
                {
                    await publisher.EnsureReplayBucketAsync(window, stoppingToken).ConfigureAwait(false);
                }
                readiness.MarkProvisioned();
                LogProvisioned(logger, options.Value.StreamName);
                return;
            }
            catch (Exception e) when (e is NatsException or TimeoutException)
            {
                LogRetry(logger, options.Value.StreamName, delay.TotalSeconds, e.Message);
            }
            await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
        }
    }

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Events stream {Stream} is gone; provisioning it again")]
    private static partial void LogLost(ILogger logger, string stream);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Events stream {Stream} is provisioned")]
    private static partial void LogProvisioned(ILogger logger, string stream);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Cannot provision events stream {Stream} yet, retrying in {DelaySeconds} s: {Reason}")]
    private static partial void LogRetry(ILogger logger, string stream, double delaySeconds, string reason);
}
