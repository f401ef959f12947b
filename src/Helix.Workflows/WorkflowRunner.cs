using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Helix.Workflows;

/// <summary>
/// Runs workflows step by step, durably: a step's tasks run in parallel; a task that finished in
/// an earlier attempt of the step is never run again (its recorded writes are reused); then the
/// step's checkpoint commits in one transaction before the next step starts. Kill the process at
/// any point and <see cref="RunAsync"/> on the same run continues from its last checkpoint.
/// </summary>
public sealed partial class WorkflowRunner(RunStore store, WorkflowRegistry registry, IServiceProvider services, ILogger<WorkflowRunner> logger, RunnerOptions? options = null)
{
    public const string TelemetryName = "Helix.Workflows";

    private static readonly ActivitySource Activities = new(TelemetryName);
    private static readonly Meter Meter = new(TelemetryName);
    private static readonly Counter<long> Runs = Meter.CreateCounter<long>("helix.workflows.runs", "{run}", "Runs that stopped, by workflow and outcome");
    private static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>("helix.workflows.step.duration", "s", "Steps, from start to committed checkpoint");
    private static readonly Histogram<double> CheckpointDuration = Meter.CreateHistogram<double>("helix.workflows.checkpoint.duration", "s", "The commit of a step's checkpoint");
    private static readonly Counter<long> TaskAttempts = Meter.CreateCounter<long>("helix.workflows.task.attempts", "{attempt}", "Node attempts, by node and result");

    private readonly RunnerOptions _options = options ?? new RunnerOptions();

    public RunStore Store => store;

    public WorkflowRegistry Registry => registry;

    /// <summary>
    /// Records a run of <paramref name="workflow"/> from <paramref name="input"/> (its starting state).
    /// With a <paramref name="sourceKey"/> (an event's id), the same key always gives the same run.
    /// </summary>
    public async Task<(Guid Id, bool Created)> CreateAsync(string workflow, JsonNode? input, string? sourceKey, CancellationToken cancellationToken)
    {
        var graph = Workflow(workflow);
        var state = graph.Start(input);
        return await store.CreateAsync(new NewRun(sourceKey is null ? Guid.NewGuid() : KeyedId(sourceKey), workflow, input, state, graph.Entry(state)) { SourceKey = sourceKey },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Records a run and runs it here at once: the run is created already claimed by this worker,
    /// with its starting state in hand, so starting costs one round trip. With a
    /// <paramref name="sourceKey"/> that names an existing run, that run is continued (or left, if
    /// another worker has it).
    /// </summary>
    public async Task<(Guid Id, RunOutcome Outcome)> StartAsync(string workflow, JsonNode? input, string? sourceKey, CancellationToken cancellationToken)
    {
        var graph = Workflow(workflow);
        var state = graph.Start(input);
        var entry = graph.Entry(state);
        var (id, created) = await store.CreateAsync(new NewRun(sourceKey is null ? Guid.NewGuid() : KeyedId(sourceKey), workflow, input, state, entry)
        {
            SourceKey = sourceKey,
            ClaimedBy = (_options.Owner, _options.Lease),
        }, cancellationToken).ConfigureAwait(false);
        if (!created)
        {
            return (id, await RunAsync(id, cancellationToken).ConfigureAwait(false));
        }
        return (id, await ContinueAsync(new ClaimedRun(id, workflow, 0, entry, [], state, []), cancellationToken).ConfigureAwait(false));
    }

    private IWorkflow Workflow(string name) => registry.Find(name)
        ?? throw new ArgumentException($"no workflow named '{name}' (known: {string.Join(", ", registry.Names.Order(StringComparer.Ordinal))})", nameof(name));

    /// <summary>Starts again from a committed step of a run, as a new run (time travel); the original stays as it is.</summary>
    public async Task<Guid> ForkAsync(Guid id, int step, CancellationToken cancellationToken)
    {
        var run = await store.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new KeyNotFoundException($"no run {id}");
        var graph = registry.Find(run.Workflow) ?? throw new InvalidOperationException($"workflow '{run.Workflow}' is not registered here");
        var next = await store.NextTasksAtAsync(id, step, cancellationToken).ConfigureAwait(false) ?? throw new KeyNotFoundException($"run {id} has no committed step {step}");
        var state = await store.StateAtAsync(id, step, graph, cancellationToken).ConfigureAwait(false);
        var (fork, _) = await store.CreateAsync(new NewRun(Guid.NewGuid(), run.Workflow, run.Input, state, next) { Parent = (id, step) }, cancellationToken).ConfigureAwait(false);
        return fork;
    }

    /// <summary>Runs (or continues) a run until it completes, fails, parks, is cancelled, or <paramref name="cancellationToken"/> stops it.</summary>
    public async Task<RunOutcome> RunAsync(Guid id, CancellationToken cancellationToken)
    {
        var claimed = await store.ClaimAsync(id, _options.Owner, _options.Lease, cancellationToken).ConfigureAwait(false);
        if (claimed is null)
        {
            return RunOutcome.NotClaimed;
        }
        return await ContinueAsync(claimed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a run this worker holds, traced and counted.</summary>
    private async Task<RunOutcome> ContinueAsync(ClaimedRun run, CancellationToken cancellationToken)
    {
        using var activity = Activities.StartActivity($"run {run.Workflow}");
        activity?.SetTag("helix.run.id", run.Id);
        var outcome = await StepThroughAsync(run, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("helix.run.outcome", outcome);
        Runs.Add(1, new("workflow", run.Workflow), new("outcome", outcome.ToString().ToLowerInvariant()));
        return outcome;
    }

    private async Task<RunOutcome> StepThroughAsync(ClaimedRun run, CancellationToken cancellationToken)
    {
        var graph = registry.Find(run.Workflow);
        if (graph is null)
        {
            var unknown = $"workflow '{run.Workflow}' is not registered in this worker";
            return await store.FailAsync(run.Id, _options.Owner, unknown, cancellationToken).ConfigureAwait(false)
                ? RunOutcome.FailedWith(unknown)
                : await StoppedElsewhereAsync(run.Id).ConfigureAwait(false);
        }
        JsonObject state;
        try
        {
            state = run.StateIn(graph);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The run's input does not fit the workflow's state: no attempt will change that.
            return await FailCodeAsync(run.Id, $"the run's state does not fit workflow '{run.Workflow}': {e.GetType().Name}: {e.Message}").ConfigureAwait(false);
        }
        var step = run.Step;
        var tasks = run.Next;

        using var lost = new CancellationTokenSource();
        using var running = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lost.Token);
        await using var heartbeat = new Heartbeat(store, run.Id, _options, lost, logger);

        // Another writer has a row of this step (a cancellation's fence, or a worker that took the run
        // over), or the run is no longer this worker's and running. If it can still be this worker's
        // (the other lost its lease without knowing), go on from what is committed, reusing the tasks
        // saved meanwhile; otherwise stop. Null: go on.
        async Task<RunOutcome?> TakeBackAsync()
        {
            var again = await store.ClaimAsync(run.Id, _options.Owner, _options.Lease, CancellationToken.None).ConfigureAwait(false);
            if (again is null)
            {
                return await StoppedElsewhereAsync(run.Id).ConfigureAwait(false);
            }
            LogStepTaken(logger, run.Id, step);
            // The loop counts from the last committed step again: the same step when only some of its tasks were taken.
            (run, step, tasks) = (again, again.Step, again.Next);
            state = again.StateIn(graph);
            return null;
        }
        try
        {
            while (true)
            {
                step++;
                var started = Stopwatch.GetTimestamp();
                var results = await RunStepAsync(graph, run, step, tasks, state, running.Token).ConfigureAwait(false);
                try
                {
                    if (results.Any(r => r.Taken))
                    {
                        if (await TakeBackAsync() is { } outcome)
                        {
                            return outcome;
                        }
                        continue;
                    }
                    if (results.FirstOrDefault(r => r.Interrupt is not null) is { } parked)
                    {
                        if (!await store.InterruptAsync(run.Id, _options.Owner, step, parked.Task.Id, parked.Interrupt!.Payload, CancellationToken.None).ConfigureAwait(false))
                        {
                            return await StoppedElsewhereAsync(run.Id).ConfigureAwait(false);
                        }
                        LogParked(logger, run.Id, parked.Task.Id);
                        return RunOutcome.Interrupted;
                    }
                    if (results.FirstOrDefault(r => r.Error is not null) is { } failed)
                    {
                        if (!await store.FailAsync(run.Id, _options.Owner, failed.Error!, CancellationToken.None).ConfigureAwait(false))
                        {
                            return await StoppedElsewhereAsync(run.Id).ConfigureAwait(false);
                        }
                        LogFailed(logger, run.Id, failed.Error!);
                        return RunOutcome.FailedWith(failed.Error!);
                    }
                    var ordered = results.OrderBy(r => r.Task.Id, StringComparer.Ordinal).ToList();
                    JsonObject next;
                    IReadOnlyList<PendingTask> nextTasks;
                    try
                    {
                        next = graph.Apply(state, ordered.SelectMany(r => r.Writes));
                        nextTasks = graph.Next(ordered.Select(r => r.Task.Node), next);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // The workflow's own code between nodes (reducers, edges) threw: the run fails with
                        // the error rather than staying running for the sweeper to run into it again.
                        return await FailCodeAsync(run.Id, $"after step {step} the workflow's edges threw {e.GetType().Name}: {e.Message}").ConfigureAwait(false);
                    }
                    var lone = tasks.Count == 1 ? ordered[0] : null;
                    var checkpoint = Stopwatch.GetTimestamp();
                    var committed = await store.CommitStepAsync(run.Id, _options.Owner, step, lone is null ? null : (lone.Task, lone.Writes), nextTasks, next,
                        lone?.Context?.Transaction, running.Token).ConfigureAwait(false);
                    CheckpointDuration.Record(Stopwatch.GetElapsedTime(checkpoint).TotalSeconds);
                    if (committed != StepCommit.Committed)
                    {
                        var attempted = step;
                        if (await TakeBackAsync() is { } outcome)
                        {
                            return outcome;
                        }
                        if (committed == StepCommit.Taken && step < attempted)
                        {
                            // Its row exists but the step is not committed: going on would only meet it again.
                            var error = $"step {attempted} cannot be committed: a row of it exists but the step is not committed";
                            if (!await store.FailAsync(run.Id, _options.Owner, error, CancellationToken.None).ConfigureAwait(false))
                            {
                                return await StoppedElsewhereAsync(run.Id).ConfigureAwait(false);
                            }
                            LogFailed(logger, run.Id, error);
                            return RunOutcome.FailedWith(error);
                        }
                        continue;
                    }
                    StepDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("workflow", run.Workflow));
                    state = next;
                    tasks = nextTasks;
                    if (tasks.Count == 0)
                    {
                        return RunOutcome.Completed;
                    }
                }
                finally
                {
                    foreach (var result in results)
                    {
                        if (result.Context is not null)
                        {
                            await result.Context.DisposeAsync().ConfigureAwait(false);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return await StoppedElsewhereAsync(run.Id).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: give the run back so another worker continues it without waiting for the lease.
            await store.ReleaseAsync(run.Id, _options.Owner, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<RunOutcome> FailCodeAsync(Guid id, string error)
    {
        if (!await store.FailAsync(id, _options.Owner, error, CancellationToken.None).ConfigureAwait(false))
        {
            return await StoppedElsewhereAsync(id).ConfigureAwait(false);
        }
        LogFailed(logger, id, error);
        return RunOutcome.FailedWith(error);
    }

    /// <summary>The run stopped being this worker's: cancelled, or another worker has it.</summary>
    private async Task<RunOutcome> StoppedElsewhereAsync(Guid id)
    {
        var current = await store.GetAsync(id, CancellationToken.None).ConfigureAwait(false);
        return current?.Status == RunStatus.Cancelled ? RunOutcome.Cancelled : RunOutcome.NotClaimed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} is waiting for a person (task {TaskId})")]
    private static partial void LogParked(ILogger logger, Guid runId, string taskId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: another worker wrote step {Step} first; continuing from what is committed")]
    private static partial void LogStepTaken(ILogger logger, Guid runId, int step);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, Guid runId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: task {TaskId} attempt {Attempt} failed; retrying")]
    private static partial void LogRetrying(ILogger logger, Guid runId, string taskId, int attempt, Exception exception);
}
