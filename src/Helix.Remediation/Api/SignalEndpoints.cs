using System.Globalization;
using System.Net.Sockets;
using Helix.Hosting;
using Helix.Remediation.Configuration;
using Helix.Remediation.Decisions;
using Helix.Remediation.Signals;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Helix.Remediation.Api;

/// <summary>
/// The service's HTTP API: Alertmanager's and ArgoCD's webhooks in, decisions out. A signal request
/// is answered only after its signals are recorded: a 2xx means nothing is lost; a refusal records
/// nothing and says why.
/// </summary>
internal sealed partial class SignalEndpoints
{
    public const string AlertmanagerRoute = "/v1/signals/alertmanager";
    public const string ArgoCdRoute = "/v1/signals/argocd";
    public const string DecisionsRoute = "/v1/decisions";

    /// <summary>Maps the routes (every service's endpoints class has one such <c>Map</c>).</summary>
    public static void Map(WebApplication app)
    {
        app.MapPost(AlertmanagerRoute, (HttpContext context, SignalEndpoints endpoints) => endpoints.AlertmanagerAsync(context));
        app.MapPost(ArgoCdRoute, (HttpContext context, SignalEndpoints endpoints) => endpoints.ArgoCdAsync(context));
        app.MapGet(DecisionsRoute, (HttpContext context, SignalEndpoints endpoints) => endpoints.DecisionsAsync(context));
    }

    private static readonly TimeSpan BodyTimeout = TimeSpan.FromSeconds(30);
    private const string RetryAfterSeconds = "10";

    private readonly DecisionLog _log;
    private readonly DecisionQueue _queue;
    private readonly IOptionsMonitor<RemediationOptions> _options;
    private readonly SignalsOptions _signals;
    private readonly RemediationMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<SignalEndpoints> _logger;
    private readonly BearerTokens _alertmanager;
    private readonly BearerTokens _argoCd;
    private readonly RecentSignals _recent = new();

    public SignalEndpoints(DecisionLog log, DecisionQueue queue, IOptionsMonitor<RemediationOptions> options, IOptions<SignalsOptions> signals,
        RemediationMetrics metrics, TimeProvider time, ILogger<SignalEndpoints> logger)
    {
        _log = log;
        _queue = queue;
        _options = options;
        _signals = signals.Value;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _alertmanager = new BearerTokens(_signals.AlertmanagerTokens, time);
        _argoCd = new BearerTokens(_signals.ArgoCdTokens, time);
    }

    public async Task<IResult> AlertmanagerAsync(HttpContext context)
    {
        var (body, refusal) = await ReadAsync(context, _alertmanager, AlertBatch.Source).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }
        AlertBatch batch;
        try
        {
            batch = AlertmanagerPayload.Parse(body, _options.CurrentValue.ApplicationLabel, _time.GetUtcNow());
        }
        catch (FormatException e)
        {
            return Refuse(AlertBatch.Source, "malformed", StatusCodes.Status400BadRequest, $"not an Alertmanager webhook (version 4): {e.Message}");
        }
        return await StoreAsync(context, AlertBatch.Source, async ct =>
        {
            var fresh = batch.Signals.Where(s => !_recent.Contains(s.Id)).ToList();
            var outcome = await _log.RecordAsync(fresh, AlertBatch.Source, batch.Resolved, _time.GetUtcNow(), ct).ConfigureAwait(false);
            // Only after the commit: a batch refused half way was never seen.
            foreach (var signal in fresh)
            {
                _recent.Add(signal.Id);
            }
            foreach (var application in outcome.Recorded.Select(s => s.Application).Distinct(StringComparer.Ordinal))
            {
                _queue.Enqueue(application);
            }
            return new SignalResult(outcome.Recorded.Count, batch.Signals.Count - outcome.Recorded.Count, outcome.Resolved, batch.Ignored);
        }).ConfigureAwait(false);
    }

    public async Task<IResult> ArgoCdAsync(HttpContext context)
    {
        var (body, refusal) = await ReadAsync(context, _argoCd, ArgoNotice.Source).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }
        ArgoNotice notice;
        try
        {
            notice = ArgoNotification.Parse(body, _time.GetUtcNow());
        }
        catch (FormatException e)
        {
            return Refuse(ArgoNotice.Source, "malformed", StatusCodes.Status400BadRequest, $"not Helix's ArgoCD notification: {e.Message}");
        }
        return await StoreAsync(context, ArgoNotice.Source, async ct =>
        {
            if (notice.Signal is null)
            {
                // Synced and healthy: ArgoCD's earlier complaints about the application no longer stand.
                var resolved = await _log.ResolveApplicationAsync(ArgoNotice.Source, notice.Application, _time.GetUtcNow(), ct).ConfigureAwait(false);
                return new SignalResult(0, 0, resolved, 0);
            }
            var recorded = await _log.TryRecordAsync(notice.Signal, ct).ConfigureAwait(false);
            if (recorded)
            {
                _queue.Enqueue(notice.Application);
            }
            return new SignalResult(recorded ? 1 : 0, recorded ? 0 : 1, 0, 0);
        }).ConfigureAwait(false);
    }

    public async Task<IResult> DecisionsAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var application = query["application"].FirstOrDefault();
        long? before = null;
        if (query["before"].FirstOrDefault() is { } beforeText)
        {
            if (!long.TryParse(beforeText, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return Problem(StatusCodes.Status400BadRequest, "before is a decision id (a positive integer)");
            }
            before = id;
        }
        var limit = 100;
        if (query["limit"].FirstOrDefault() is { } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            return Problem(StatusCodes.Status400BadRequest, "limit is between 1 and 1000");
        }
        try
        {
            var decisions = await _log.ListAsync(application, before, limit, context.RequestAborted).ConfigureAwait(false);
            return Results.Json(new DecisionPage(decisions, decisions.Count == limit ? decisions[^1].Id : null));
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            return Unavailable(context, e);
        }
    }

    private async Task<(byte[] Body, IResult? Refusal)> ReadAsync(HttpContext context, BearerTokens tokens, string source)
    {
        if (!tokens.Accepts(context.Request.Headers.Authorization))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return ([], Refuse(source, "unauthorized", StatusCodes.Status401Unauthorized, "a valid bearer token is required"));
        }
        if (context.Request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return ([], Refuse(source, "media_type", StatusCodes.Status415UnsupportedMediaType, "the body is application/json"));
        }
        var (status, body) = await BodyReader.ReadAsync(context, _signals.MaxBodyBytes, BodyTimeout).ConfigureAwait(false);
        return status switch
        {
            BodyStatus.Complete => (body, null),
            BodyStatus.TooLarge => ([], Refuse(source, "too_large", StatusCodes.Status413PayloadTooLarge, $"the body is larger than {_signals.MaxBodyBytes} bytes")),
            BodyStatus.TimedOut => ([], Refuse(source, "timeout", StatusCodes.Status408RequestTimeout, "the body did not arrive in time")),
            _ => ([], Refuse(source, "bad_body", StatusCodes.Status400BadRequest, "the body is not a well-formed HTTP message body")),
        };
    }

    private async Task<IResult> StoreAsync(HttpContext context, string source, Func<CancellationToken, Task<SignalResult>> store)
    {
        try
        {
            // Not the request's token: a sender hanging up must not leave half a batch recorded and unqueued.
            var result = await store(CancellationToken.None).ConfigureAwait(false);
            _metrics.Signals(source, "recorded", result.Recorded);
            _metrics.Signals(source, "duplicate", result.Duplicates);
            _metrics.Signals(source, "resolved", result.Resolved);
            _metrics.Signals(source, "ignored", result.Ignored);
            return Results.Json(result);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            _metrics.Refused(source, "unavailable");
            return Unavailable(context, e);
        }
        catch (PostgresException e)
        {
            // The database is there and refuses this data: a retry would be refused the same way.
            _metrics.Refused(source, "unstorable");
            LogUnstorable(_logger, source, e.SqlState);
            return Problem(StatusCodes.Status422UnprocessableEntity, $"the decision log cannot keep this signal ({e.SqlState}: {e.MessageText})");
        }
    }

    private IResult Unavailable(HttpContext context, Exception e)
    {
        LogUnavailable(_logger, e);
        context.Response.Headers.RetryAfter = RetryAfterSeconds;
        // A batch is one transaction: a 503 recorded none of it, unless the commit's answer was what got lost; the retry records each signal once either way.
        return Problem(StatusCodes.Status503ServiceUnavailable, "the decision log is unavailable; retry later (a signal is never recorded twice)");
    }

    // A PostgresException is the database answering: about the data it is permanent (422), about
    // itself (shutting down, too many connections, read-only: class 08, 53, 57) it is transient.
    private static bool IsUnavailable(Exception e) =>
        e is SocketException or TimeoutException
        || e is PostgresException { SqlState: ['0', '8', ..] or ['5', '3', ..] or ['5', '7', ..] or ['4', '0', ..] }
        || (e is NpgsqlException && e is not PostgresException);

    private IResult Refuse(string source, string reason, int status, string detail)
    {
        _metrics.Refused(source, reason);
        return Problem(status, detail);
    }

    private static IResult Problem(int status, string detail) => Results.Problem(detail: detail, statusCode: status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The decision log refused a signal from {Source}: {SqlState}")]
    private static partial void LogUnstorable(ILogger logger, string source, string sqlState);

    [LoggerMessage(Level = LogLevel.Error, Message = "The decision log is unavailable")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);
}

/// <summary>What a signal request did.</summary>
internal sealed record SignalResult(int Recorded, int Duplicates, int Resolved, int Ignored);

/// <summary>A page of decisions, newest first; <c>next</c> is the <c>before</c> of the following page.</summary>
internal sealed record DecisionPage(IReadOnlyList<Decision> Decisions, long? Next);
