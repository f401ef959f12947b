using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Helix.Hosting;
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
        var workflow = query["workflow"].FirstOrDefault();
        if (workflow is not null && (workflow.Length > 100 || workflow.Any(char.IsControl)))
        {
            return Problem(StatusCodes.Status400BadRequest, "workflow is a workflow's name (at most 100 characters, no control characters)");
        }
        var found = await store.ListAsync(new RunQuery { Workflow = workflow, Status = status, Before = before, Limit = limit }, context.RequestAborted).ConfigureAwait(false);
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

    /// <summary>Request bodies above this are refused with 413 before they are read whole.</summary>
    public const long MaxBodyBytes = 1 << 20;

    /// <summary>An Idempotency-Key is a client's token (a UUID, a hash): visible ASCII, at most this long.</summary>
    public const int MaxIdempotencyKeyLength = 200;

    // Client keys live apart from event message ids ("{source}:{id}"): a source name never holds '/'.
    private const string KeyPrefix = "api/";

    private static async Task<IResult> StartAsync(HttpContext context, WorkflowRunner runner, RunScheduler scheduler)
    {
        if (!context.Request.HasJsonContentType())
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "the body is JSON (Content-Type: application/json): {\"workflow\": \"research\", \"input\": {...}}");
        }
        var key = context.Request.Headers["Idempotency-Key"];
        if (key.Count > 0 && KeyProblem(key.ToString()) is { } keyProblem)
        {
            return Problem(StatusCodes.Status400BadRequest, keyProblem);
        }
        var (request, problem) = await ReadAsync<StartRequest>(context).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        if (request?.Workflow is not { Length: > 0 } name)
        {
            return Problem(StatusCodes.Status400BadRequest, "workflow is required: {\"workflow\": \"research\", \"input\": {...}}");
        }
        if (runner.Registry.Find(name) is null)
        {
            return Problem(StatusCodes.Status404NotFound, $"no workflow named '{Printable(name)}' (known: {string.Join(", ", runner.Registry.Names.Order(StringComparer.Ordinal))})");
        }
        if (Unstorable(request.Input, "input") is { } unstorable)
        {
            return Problem(StatusCodes.Status422UnprocessableEntity, unstorable);
        }
        Guid id;
        bool created;
        try
        {
            (id, created) = await runner.CreateAsync(name, request.Input, key.Count > 0 ? KeyPrefix + key : null, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            return Problem(StatusCodes.Status422UnprocessableEntity, $"the input does not fit the workflow's state: {e.Message}");
        }
        if (!created && await runner.Store.GetAsync(id, context.RequestAborted).ConfigureAwait(false) is { } earlier
            && (earlier.Workflow != name || !JsonNode.DeepEquals(earlier.Input, request.Input)))
        {
            // The same key is the same request: a different one under it is the client's mistake, not a retry.
            return Problem(StatusCodes.Status409Conflict, $"Idempotency-Key was used for run {id} with another workflow or input; use a new key for a new request");
        }
        scheduler.Start(id);
        return Results.Json(new { id }, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ResumeAsync(Guid id, HttpContext context, RunStore store, RunScheduler scheduler)
    {
        JsonNode? value = null;
        var hasBody = context.Request.ContentLength is > 0 || context.Request.Headers.ContainsKey("Transfer-Encoding");
        if (hasBody)
        {
            if (!context.Request.HasJsonContentType())
            {
                return Problem(StatusCodes.Status415UnsupportedMediaType, "the body is JSON (Content-Type: application/json): {\"value\": ...}");
            }
            var (body, problem) = await ReadAsync<JsonNode>(context).ConfigureAwait(false);
            if (problem is not null)
            {
                return problem;
            }
            if (body is not JsonObject envelope)
            {
                return Problem(StatusCodes.Status400BadRequest, "the body is a JSON object: {\"value\": ...}");
            }
            value = envelope["value"];
            if (Unstorable(value, "value") is { } unstorable)
            {
                return Problem(StatusCodes.Status422UnprocessableEntity, unstorable);
            }
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

    /// <summary>The body as JSON, at most <see cref="MaxBodyBytes"/>; or the problem to answer.</summary>
    private static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpContext context)
    {
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }
        try
        {
            return (await context.Request.ReadFromJsonAsync<T>(Workflow.Json, context.RequestAborted).ConfigureAwait(false), null);
        }
        catch (JsonException e)
        {
            return (default, Problem(StatusCodes.Status400BadRequest, $"the body is not JSON of the expected shape: {e.Message}"));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (default, Problem(StatusCodes.Status413PayloadTooLarge, $"the body is larger than {MaxBodyBytes} bytes"));
        }
    }

    private static string? KeyProblem(string key)
    {
        if (key.Length == 0)
        {
            return "Idempotency-Key is empty: send a token of your own (a UUID) or no header";
        }
        if (key.Length > MaxIdempotencyKeyLength)
        {
            return $"Idempotency-Key is {key.Length} characters long; at most {MaxIdempotencyKeyLength}";
        }
        return key.All(c => c is > ' ' and < '\u007f') ? null : "Idempotency-Key holds characters other than visible ASCII";
    }

    /// <summary>Where a JSON value holds text PostgreSQL cannot store (NUL, an unpaired surrogate), or null.</summary>
    private static string? Unstorable(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    if (UnicodeText.StorageProblem(name) is { } key)
                    {
                        return $"{path} (a key) {key}; the run store (PostgreSQL) cannot keep it";
                    }
                    if (Unstorable(child, $"{path}.{name}") is { } found)
                    {
                        return found;
                    }
                }
                return null;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (Unstorable(array[i], $"{path}[{i}]") is { } found)
                    {
                        return found;
                    }
                }
                return null;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                string text;
                try
                {
                    text = value.GetValue<string>();
                }
                catch (InvalidOperationException)
                {
                    return $"{Printable(path)} is not Unicode text (bytes that are not UTF-8, or an unpaired surrogate escape); it cannot be stored";
                }
                return UnicodeText.StorageProblem(text) is { } problem ? $"{Printable(path)} {problem}; the run store (PostgreSQL) cannot keep it" : null;
            default:
                return null;
        }
    }

    // What goes back into a problem document: short, and without control characters.
    private static string Printable(string text)
    {
        var visible = new string([.. text.Take(100).Select(c => char.IsControl(c) || char.IsSurrogate(c) ? '?' : c)]);
        return text.Length > 100 ? visible + "..." : visible;
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
