using Helix.Orchestrator.Configuration;
using Helix.Workflows;
using Microsoft.Extensions.Options;

namespace Helix.Orchestrator.Worker;

/// <summary>
/// Takes up runs whose worker is gone (lease expired: a crash, a killed pod) and runs started
/// outside an event (API, resumes), and deletes finished runs past their retention. Every replica
/// sweeps; leases keep two from running the same run.
/// </summary>
internal sealed partial class OrphanSweeper(RunStore store, RunScheduler scheduler, IOptions<OrchestratorOptions> options, TimeProvider time, ILogger<OrphanSweeper> logger) : BackgroundService
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastPrune = DateTimeOffset.MinValue;
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        do
        {
            try
            {
                foreach (var id in await store.OrphansAsync(options.Value.Concurrency, stoppingToken).ConfigureAwait(false))
                {
                    scheduler.Start(id);
                }
                if (time.GetUtcNow() - lastPrune >= PruneEvery)
                {
                    var pruned = await store.PruneAsync(time.GetUtcNow() - options.Value.Retention, stoppingToken).ConfigureAwait(false);
                    lastPrune = time.GetUtcNow();
                    if (pruned > 0)
                    {
                        LogPruned(logger, pruned);
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSweepFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} finished runs past their retention")]
    private static partial void LogPruned(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping for orphaned runs failed; trying again next time")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
