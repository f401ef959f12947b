using Helix.Orchestrator.Configuration;
using Helix.Workflows;
using Microsoft.Extensions.Options;

namespace Helix.Orchestrator.Worker;

/// <summary>
/// Every run this process executes goes through here: at most <c>Orchestrator:Concurrency</c> at
/// once, whether it came from an event, the API, or the sweeper. Runs started in the background are
/// tracked so shutdown can wait for them to hand their runs back.
/// </summary>
internal sealed partial class RunScheduler(WorkflowRunner runner, IOptions<OrchestratorOptions> options, IHostApplicationLifetime lifetime, ILogger<RunScheduler> logger) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.Concurrency);
    private readonly HashSet<Guid> _active = [];
    private readonly Lock _gate = new();
    private readonly List<Task> _background = [];

    public int Active
    {
        get
        {
            lock (_gate)
            {
                return _active.Count;
            }
        }
    }

    /// <summary>Runs one run to its end (or until stopped), in a slot. A run this process is already running is not run twice.</summary>
    public async Task<RunOutcome> RunAsync(Guid id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_active.Add(id))
            {
                return RunOutcome.NotClaimed;
            }
        }
        try
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await runner.RunAsync(id, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _slots.Release();
            }
        }
        finally
        {
            lock (_gate)
            {
                _active.Remove(id);
            }
        }
    }

    /// <summary>Runs a run in the background (API starts, resumes, recovered runs).</summary>
    public void Start(Guid id)
    {
        var stopping = lifetime.ApplicationStopping;
        var task = Task.Run(async () =>
        {
            try
            {
                await RunAsync(id, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // handed back for another worker
            }
            catch (Exception e)
            {
                // The run stays recorded; the sweeper takes it up again.
                LogBackgroundFailed(logger, id, e);
            }
        }, CancellationToken.None);
        lock (_gate)
        {
            _background.RemoveAll(t => t.IsCompleted);
            _background.Add(task);
        }
    }

    /// <summary>Waits for background runs to stop (they hand their runs back when the application stops).</summary>
    public Task DrainAsync()
    {
        lock (_gate)
        {
            return Task.WhenAll(_background);
        }
    }

    public void Dispose() => _slots.Dispose();

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId} stopped on an error; the sweeper will take it up again")]
    private static partial void LogBackgroundFailed(ILogger logger, Guid runId, Exception exception);
}
