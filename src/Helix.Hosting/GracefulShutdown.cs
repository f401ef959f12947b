using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Helix.Hosting;

internal sealed class ConfigureHostShutdown(IOptions<ShutdownOptions> shutdown) : IConfigureOptions<HostOptions>
{
    public void Configure(HostOptions options) => options.ShutdownTimeout = shutdown.Value.Timeout;
}

/// <summary>Reports not-ready from the moment the host starts stopping.</summary>
internal sealed class DrainingHealthCheck : IHealthCheck
{
    private volatile bool _draining;

    public bool IsDraining => _draining;

    public void BeginDraining() => _draining = true;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_draining
            ? HealthCheckResult.Unhealthy("shutting down: draining in-flight work")
            : HealthCheckResult.Healthy());
}

/// <summary>
/// Runs before any hosted service (Kestrel included) is stopped: flips readiness and waits the
/// drain delay, so requests already routed here are still accepted and answered.
/// </summary>
internal sealed partial class DrainOnShutdown(
    DrainingHealthCheck draining,
    IOptions<ShutdownOptions> options,
    TimeProvider time,
    ILogger<DrainOnShutdown> logger) : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        draining.BeginDraining();
        var delay = options.Value.DrainDelay;
        LogDraining(logger, delay.TotalSeconds);
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The shutdown timeout ran out first: carry on stopping.
            }
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Shutdown requested: not ready, draining for {DrainSeconds} s")]
    private static partial void LogDraining(ILogger logger, double drainSeconds);
}
