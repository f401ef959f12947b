using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Helix.Orchestrator.Worker;
using Helix.Workflows;

namespace Helix.Orchestrator.Api;

/// <summary>
/// The runs API: list and inspect runs (steps, writes, state), start one, resume one a person was
/// asked about, cancel one, and start again from a chosen checkpoint. Behind the platform's SSO.
/// </summary>
internal static class RunEndpoints
{
    public static void Map(WebApplication app)
    {
        var runs = app.MapGroup("/v1/runs");
        runs.MapGet("/", ListAsync);
        runs.MapGet("/{id:guid}", GetAsync);
        runs.MapPost("/", StartAsync);
        runs.MapPost("/{id:guid}/resume", ResumeAsync);
        runs.MapPost("/{id:guid}/cancel", CancelAsync);
        runs.MapPost("/{id:guid}/replay", ReplayAsync);
    }

    private static async Task<IResult> ListAsync(HttpContext context, RunStore store)
    {
        var query = context.Request.Query;
        var limit = 100;
        if (query["limit"].FirstOrDefault() is { } limitText && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            return Problem(StatusCodes.Status400BadRequest, "limit is between 1 and 1000");
        }
        DateTimeOffset? before = null;
        if (query["before"].FirstOrDefault() is { } beforeText)
        {
            if (!DateTimeOffset.TryParse(beforeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                return Problem(StatusCodes.Status400BadRequest, "before is a time (ISO 8601), the createdAt of the last run of the previous page");
            }
            before = at;
        }
        var status = query["status"].FirstOrDefault();
        if (status is not null && status is not (RunStatus.Pending or RunStatus.Running or RunStatus.Interrupted or RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled))
        {
            return Problem(StatusCodes.Status400BadRequest, "status is one of pending, running, interrupted, completed, failed, cancelled");
        }
        var found = await store.ListAsync(new RunQuery { Workflow = query["workflow"].FirstOrDefault(), Status = status, Before = before, Limit = limit }, context.RequestAborted).ConfigureAwait(false);
        return Results.Json(new { runs = found, next = found.Count == limit ? found[^1].CreatedAt : (DateTimeOffset?)null });
    }

    private static async Task<IResult> GetAsync(Guid id, RunStore store, WorkflowRegistry registry, CancellationToken cancellationToken)
    {
        var run = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return Problem(StatusCodes.Status404NotFound, $"no run {id}");
        }
        var steps = await store.StepsAsync(id, cancellationToken).ConfigureAwait(false);
        JsonObject? state = registry.Find(run.Workflow) is { } workflow ? await store.StateAtAsync(id, run.Step, workflow, cancellationToken).ConfigureAwait(false) : null;
        return Results.Json(new { run, state, steps });
    }

    internal sealed record StartRequest(string? Workflow, JsonNode? Input);

    private static async Task<IResult> StartAsync(HttpContext context, WorkflowRunner runner, RunScheduler scheduler)
    {
        StartRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync<StartRequest>(Workflow.Json, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            return Problem(StatusCodes.Status400BadRequest, $"the body is not JSON: {e.Message}");
        }
        if (request?.Workflow is not { Length: > 0 } name)
        {
            return Problem(StatusCodes.Status400BadRequest, "workflow is required: {\"workflow\": \"research\", \"input\": {...}}");
        }
        if (runner.Registry.Find(name) is null)
        {
            return Problem(StatusCodes.Status404NotFound, $"no workflow named '{name}' (known: {string.Join(", ", runner.Registry.Names.Order(StringComparer.Ordinal))})");
        }
        Guid id;
        try
        {
            (id, _) = await runner.CreateAsync(name, request.Input, context.Request.Headers["Idempotency-Key"].FirstOrDefault(), context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            return Problem(StatusCodes.Status400BadRequest, $"the input does not fit the workflow's state: {e.Message}");
        }
        scheduler.Start(id);
        return Results.Json(new { id }, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ResumeAsync(Guid id, HttpContext context, RunStore store, RunScheduler scheduler)
    {
        JsonNode? value;
        try
        {
            value = context.Request.ContentLength is 0 or null && !context.Request.Headers.ContainsKey("Transfer-Encoding")
                ? null
                : (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false))?["value"];
        }
        catch (JsonException e)
        {
            return Problem(StatusCodes.Status400BadRequest, $"the body is not JSON ({{\"value\": ...}}): {e.Message}");
        }
        if (!await store.ResumeAsync(id, value, context.RequestAborted).ConfigureAwait(false))
        {
            return await store.GetAsync(id, context.RequestAborted).ConfigureAwait(false) is { } run
                ? Problem(StatusCodes.Status409Conflict, $"run {id} is {run.Status}; only an interrupted run resumes")
                : Problem(StatusCodes.Status404NotFound, $"no run {id}");
        }
        scheduler.Start(id);
        return Results.Json(new { id }, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> CancelAsync(Guid id, RunStore store, CancellationToken cancellationToken)
    {
        if (await store.CancelAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return Results.Json(new { id, status = RunStatus.Cancelled }, statusCode: StatusCodes.Status202Accepted);
        }
        return await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } run
            ? Problem(StatusCodes.Status409Conflict, $"run {id} is {run.Status} already")
            : Problem(StatusCodes.Status404NotFound, $"no run {id}");
    }

    private static async Task<IResult> ReplayAsync(Guid id, HttpContext context, WorkflowRunner runner, RunScheduler scheduler)
    {
        var stepText = context.Request.Query["step"].FirstOrDefault();
        if (stepText is null || !int.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out var step))
        {
            return Problem(StatusCodes.Status400BadRequest, "step is the checkpoint to start from: ?step=3");
        }
        Guid fork;
        try
        {
            fork = await runner.ForkAsync(id, step, context.RequestAborted).ConfigureAwait(false);
        }
        catch (KeyNotFoundException e)
        {
            return Problem(StatusCodes.Status404NotFound, e.Message);
        }
        scheduler.Start(fork);
        return Results.Json(new { id = fork, from = new { run = id, step } }, statusCode: StatusCodes.Status202Accepted);
    }

    private static IResult Problem(int status, string detail) => Results.Problem(detail: detail, statusCode: status);
}
