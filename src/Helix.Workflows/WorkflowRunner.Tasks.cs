using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Helix.Workflows;

/// <summary>A step's tasks: run in parallel, retried, their writes kept.</summary>
public sealed partial class WorkflowRunner
{
    /// <summary>A task's attempt in a step. <c>Taken</c>: another worker running the same step saved the task first; its row is the result, not this one.</summary>
    private sealed record TaskResult(PendingTask Task, IReadOnlyList<KeyValuePair<string, JsonNode?>> Writes, NodeContext? Context = null, NodeInterruptException? Interrupt = null,
        string? Error = null, bool Taken = false);

    private async Task<IReadOnlyList<TaskResult>> RunStepAsync(IWorkflow graph, ClaimedRun run, int step, IReadOnlyList<PendingTask> tasks, JsonObject state, CancellationToken cancellationToken)
    {
        var runId = run.Id;
        if (tasks.Count == 1)
        {
            // A lone task's writes commit with the step itself: one transaction per step.
            return [await RunTaskAsync(graph, runId, step, tasks[0], state, run.ResumeFor(step, tasks[0].Id), cancellationToken).ConfigureAwait(false)];
        }
        var done = await store.PendingWritesAsync(runId, step, cancellationToken).ConfigureAwait(false);
        using var slots = new SemaphoreSlim(_options.MaxParallelTasks);
        return await Task.WhenAll(tasks.Select(async task =>
        {
            if (done.TryGetValue(task.Id, out var writes))
            {
                return new TaskResult(task, writes); // finished before a crash: never run twice
            }
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var result = await RunTaskAsync(graph, runId, step, task, state, run.ResumeFor(step, task.Id), cancellationToken).ConfigureAwait(false);
                if (result.Interrupt is null && result.Error is null
                    && !await store.SaveTaskAsync(runId, step, task, result.Writes, result.Context?.Transaction, cancellationToken).ConfigureAwait(false))
                {
                    return result with { Taken = true };
                }
                return result;
            }
            finally
            {
                slots.Release();
            }
        })).ConfigureAwait(false);
    }

    private async Task<TaskResult> RunTaskAsync(IWorkflow graph, Guid runId, int step, PendingTask task, JsonObject state, JsonNode? resume, CancellationToken cancellationToken)
    {
        var options = graph.OptionsOf(task.Node);
        var policy = options.Retry;
        using var activity = Activities.StartActivity($"node {task.Node}");
        activity?.SetTag("helix.task.id", task.Id);
        for (var attempt = 1; ; attempt++)
        {
            // The time limit has a source of its own: only its firing makes a cancellation a timeout.
            using var limit = options.Timeout is { } after ? new CancellationTokenSource(after) : new CancellationTokenSource();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
            var context = new NodeContext(runId, step, task.Id, attempt, task.Input, resume, store.DataSource, services, timeout.Token);
            Exception error;
            try
            {
                var writes = await graph.RunNodeAsync(task, state, context).ConfigureAwait(false);
                TaskAttempts.Add(1, new("node", task.Node), new("result", "ok"));
                return new TaskResult(task, writes, context);
            }
            catch (NodeInterruptException interrupt)
            {
                await context.DisposeAsync().ConfigureAwait(false);
                return new TaskResult(task, [], Interrupt: interrupt);
            }
            catch (OperationCanceledException) when (limit.IsCancellationRequested)
            {
                error = new TimeoutException($"node '{task.Node}' took longer than {options.Timeout}");
            }
            catch (Exception e) when (e is not OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                error = e;
            }
            catch
            {
                await context.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            await context.DisposeAsync().ConfigureAwait(false);
            TaskAttempts.Add(1, new("node", task.Node), new("result", "error"));
            if (attempt >= policy.MaxAttempts || !policy.RetryOn(error))
            {
                activity?.SetStatus(ActivityStatusCode.Error, error.Message);
                return new TaskResult(task, [], Error: $"node '{task.Node}' ({task.Id}) failed after {attempt} attempt(s): {error.GetType().Name}: {error.Message}");
            }
            LogRetrying(logger, runId, task.Id, attempt, error);
            await Task.Delay(policy.Backoff(attempt + 1), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs a subgraph as a child run of the task: the same child for every attempt and restart of
    /// the task (its id derives from the task's), so a child that finished is not run again.
    /// </summary>
    internal async Task<JsonNode> RunChildAsync(NodeContext context, IWorkflow child, JsonNode? input)
    {
        var key = $"{context.RunId:N}:{context.Step}:{context.TaskId}";
        var state = child.Start(input);
        var (id, _) = await store.CreateAsync(new NewRun(KeyedId(key), child.Name, input, state, child.Entry(state)) { SourceKey = key, Parent = (context.RunId, context.Step) },
            context.CancellationToken).ConfigureAwait(false);
        await RunAsync(id, context.CancellationToken).ConfigureAwait(false);
        var run = await store.GetAsync(id, context.CancellationToken).ConfigureAwait(false);
        return run?.Status switch
        {
            RunStatus.Completed => run.Output!,
            RunStatus.Interrupted => throw new NodeInterruptException(new JsonObject { ["childRun"] = id.ToString(), ["interrupt"] = run.Interrupt?.DeepClone() }),
            _ => throw new InvalidOperationException($"subgraph run {id} ({child.Name}) ended {run?.Status}: {run?.Error}"),
        };
    }

    /// <summary>A stable run id for a key (an event's id, a subgraph's task): name-based, like a UUID v5.</summary>
    internal static Guid KeyedId(string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("helix-run:" + key));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
