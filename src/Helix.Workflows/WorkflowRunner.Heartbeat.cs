using Microsoft.Extensions.Logging;

namespace Helix.Workflows;

public sealed partial class WorkflowRunner
{
    /// <summary>
    /// Renews the run's lease every third of it; cancels the run's work when the run was cancelled or
    /// taken over. A timer rather than a loop on a task of its own: most runs end before the first
    /// tick, and then stopping it costs nothing.
    /// </summary>
    private sealed partial class Heartbeat : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly RunStore _store;
        private readonly Guid _id;
        private readonly RunnerOptions _options;
        private readonly CancellationTokenSource _lost;
        private readonly ILogger _logger;
        private readonly ITimer _timer;
        private volatile Task _renewal = Task.CompletedTask;

        public Heartbeat(RunStore store, Guid id, RunnerOptions options, CancellationTokenSource lost, ILogger logger)
        {
            (_store, _id, _options, _lost, _logger) = (store, id, options, lost, logger);
            _timer = TimeProvider.System.CreateTimer(_ => Tick(), null, options.Lease / 3, options.Lease / 3);
        }

        private void Tick()
        {
            if (_renewal.IsCompleted)
            {
                _renewal = RenewAsync();
            }
        }

        private async Task RenewAsync()
        {
            try
            {
                if (!await _store.RenewAsync(_id, _options.Owner, _options.Lease, _stop.Token).ConfigureAwait(false))
                {
                    await _lost.CancelAsync().ConfigureAwait(false);
                    await _timer.DisposeAsync().ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // stopped
            }
            catch (Exception e)
            {
                // The database is away for a moment: the step's commit will tell.
                LogRenewFailed(_logger, _id, e);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _timer.DisposeAsync().ConfigureAwait(false); // no tick starts after this
            await _stop.CancelAsync().ConfigureAwait(false);
            await _renewal.ConfigureAwait(false);
            _stop.Dispose();
        }

        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the lease of run {RunId}")]
        private static partial void LogRenewFailed(ILogger logger, Guid runId, Exception exception);
    }
}
