using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.RateLimiting;
using Helix.Events;
using Helix.Hosting;
using Helix.Webhooks.Configuration;
using Helix.Webhooks.Schemes;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Helix.Webhooks;

/// <summary>
/// <c>POST /webhooks/{source}</c>. Cheap refusals first (method, source, declared size, media type,
/// rate), then the body, the signature, and last the durable enqueue. 202 only after JetStream's
/// acknowledgement; 200 for a delivery already stored; 503 with Retry-After when the broker
/// cannot take it now, so the provider retries; a 4xx for what no retry can change.
/// </summary>
internal sealed partial class WebhookEndpoint(
    WebhookSources sources,
    EventPublisher publisher,
    IOptions<ReceiverOptions> options,
    TimeProvider time,
    ReceiverMetrics metrics,
    ILogger<WebhookEndpoint> logger)
{
    public const string Route = "/webhooks/{source}";

    /// <summary>Maps the route (every service's endpoints class has one such <c>Map</c>): any method, so a wrong one gets its 405 from here.</summary>
    public static void Map(WebApplication app) =>
        app.Map(Route, (HttpContext context, string source, WebhookEndpoint endpoint) => endpoint.HandleAsync(context, source));

    // Real ids are short (Stripe's about 30 characters, GitHub's a GUID); these bound what a
    // signed but hostile body can make the envelope carry.
    public const int MaxDeliveryIdLength = 1024;
    public const int MaxEventTypeLength = 256;

    public async Task<IResult> HandleAsync(HttpContext context, string source)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.Headers.Allow = "POST";
            // Only configured names become metric labels: a scanner must not create series.
            return Reject(sources.Find(source) is null ? "unknown" : source, Outcomes.MethodNotAllowed, StatusCodes.Status405MethodNotAllowed, "webhooks are delivered with POST");
        }
        if (sources.Find(source) is not { } webhookSource)
        {
            // The label is not the requested name: unknown names must not create metric series.
            metrics.Count("unknown", Outcomes.UnknownSource);
            return Problem(StatusCodes.Status404NotFound, "no webhook source of that name is configured");
        }
        if (context.Request.ContentLength > webhookSource.Options.MaxBodyBytes)
        {
            return TooLarge(source, webhookSource);
        }
        if (!AcceptsMediaType(webhookSource, context.Request.ContentType))
        {
            return Reject(source, Outcomes.UnsupportedMediaType, StatusCodes.Status415UnsupportedMediaType, $"this source accepts {string.Join(", ", webhookSource.ContentTypes)}");
        }

        using var lease = webhookSource.RateLimiter.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
            context.Response.Headers.RetryAfter = Seconds(retryAfter);
            return Reject(source, Outcomes.RateLimited, StatusCodes.Status429TooManyRequests, "too many deliveries for this source; retry later");
        }

        var (status, body) = await BodyReader.ReadAsync(context, webhookSource.Options.MaxBodyBytes, options.Value.BodyReadTimeout).ConfigureAwait(false);
        switch (status)
        {
            case BodyStatus.TooLarge:
                return TooLarge(source, webhookSource);
            case BodyStatus.TimedOut:
                return Reject(source, Outcomes.BodyTimeout, StatusCodes.Status408RequestTimeout, "the body did not arrive in time");
            case BodyStatus.Malformed:
                return Reject(source, Outcomes.BadBody, StatusCodes.Status400BadRequest, "the body is not a well-formed HTTP message body");
            case BodyStatus.Aborted:
                metrics.Count(source, Outcomes.Aborted);
                return Results.Empty; // The client is gone; nobody reads an answer.
        }

        var now = time.GetUtcNow();
        var verification = webhookSource.Scheme.Verify(context.Request.Headers, body, webhookSource.Keys, now, webhookSource.Options.Tolerance);
        if (verification.Status != VerificationStatus.Valid)
        {
            var outcome = verification.Status switch
            {
                VerificationStatus.Missing => Outcomes.MissingSignature,
                VerificationStatus.Stale => Outcomes.Stale,
                _ => Outcomes.BadSignature,
            };
            return Reject(source, outcome, StatusCodes.Status401Unauthorized, verification.Reason);
        }

        if (webhookSource.Scheme is SlackScheme && SlackChallenge(body) is { } challenge)
        {
            // Slack's Events API checks a new endpoint by asking it to echo a challenge.
            metrics.Count(source, Outcomes.Challenge);
            return Results.Json(new { challenge });
        }

        var delivery = webhookSource.Scheme.Describe(context.Request.Headers, body);
        if (Uncarriable(delivery) is { } problem)
        {
            return Reject(source, Outcomes.Unprocessable, StatusCodes.Status422UnprocessableEntity, problem);
        }
        var webhookEvent = CreateEvent(context, webhookSource, delivery, body, now);
        var subject = EventSubjects.For(webhookSource.Subject, webhookEvent.EventType, webhookEvent.DeliveryId);
        ReplayCheck? replay = webhookSource.Options.ReplayWindow is { } window
            ? new ReplayCheck(window, Convert.ToHexStringLower(SHA256.HashData(body)))
            : null;

        using var activity = ReceiverMetrics.ActivitySource.StartActivity("webhook enqueue", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "nats");
        activity?.SetTag("messaging.destination.name", subject);
        activity?.SetTag("helix.webhook.source", source);
        activity?.SetTag("helix.webhook.delivery_id", webhookEvent.DeliveryId);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var outcome = await publisher.PublishAsync(webhookEvent with
            {
                TraceParent = Activity.Current?.Id,
                TraceState = Activity.Current?.TraceStateString,
            }, subject, options.Value.PublishTimeout, replay).ConfigureAwait(false);
            metrics.Enqueued(source, Stopwatch.GetElapsedTime(started));

            if (outcome == PublishOutcome.Replay)
            {
                return Reject(source, Outcomes.Replay, StatusCodes.Status409Conflict, "this signed body was delivered before under another delivery id, within the replay window");
            }
            if (outcome == PublishOutcome.Duplicate)
            {
                metrics.Count(source, Outcomes.Duplicate);
                LogDuplicate(logger, source, webhookEvent.DeliveryId);
                return Results.Json(new { status = "duplicate", deliveryId = webhookEvent.DeliveryId }, statusCode: StatusCodes.Status200OK);
            }
            metrics.Count(source, Outcomes.Accepted);
            return Results.Json(new { status = "accepted", deliveryId = webhookEvent.DeliveryId }, statusCode: StatusCodes.Status202Accepted);
        }
        catch (BrokerUnavailableException e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Reason);
            LogUnavailable(logger, source, e.Reason);
            context.Response.Headers.RetryAfter = Seconds(options.Value.RetryAfter);
            // A publish that timed out may still be stored: the retry is then answered "duplicate".
            return Reject(source, Outcomes.Unavailable, StatusCodes.Status503ServiceUnavailable,
                "the event could not be confirmed as stored; retry later (a retry of a delivery that was stored after all is answered 200 duplicate)");
        }
        catch (EventRefusedException e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Reason);
            LogRefused(logger, source, e.Status, e.Reason, e.InnerException);
            return Reject(source, Outcomes.Refused, e.Status, e.Reason);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Unforeseen: answered as such (with a reason), never as "try again later".
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            LogFailed(logger, source, e);
            return Reject(source, Outcomes.Failed, StatusCodes.Status500InternalServerError, "the event could not be stored because of an error in the receiver; it is logged");
        }
    }

    /// <summary>Why the delivery's id or type cannot travel in the envelope, or null when they can.</summary>
    private static string? Uncarriable(Delivery delivery)
    {
        if (delivery.Problem is { } problem)
        {
            return problem;
        }
        if (delivery.Id is { } id && EnvelopeText.Problem(id, MaxDeliveryIdLength) is { } idProblem)
        {
            return "the delivery id " + idProblem;
        }
        if (delivery.EventType is { } type && EnvelopeText.Problem(type, MaxEventTypeLength) is { } typeProblem)
        {
            return "the event type " + typeProblem;
        }
        return null;
    }

    private static WebhookEvent CreateEvent(HttpContext context, WebhookSource source, Delivery delivery, byte[] body, DateTimeOffset now)
    {
        var forwarded = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in source.ForwardedHeaders)
        {
            if (context.Request.Headers.TryGetValue(name, out var value) && value.Count > 0)
            {
                forwarded[name] = value.ToString();
            }
        }

        // A provider that names no delivery gets one from the bytes it signed: a retry of the same
        // delivery is the same bytes.
        var deliveryId = delivery.Id ?? "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        var inline = body.Length <= source.InlineBodyLimit;
        return new WebhookEvent
        {
            Source = source.Name,
            EventType = string.IsNullOrWhiteSpace(delivery.EventType) ? "unknown" : delivery.EventType,
            DeliveryId = deliveryId,
            ReceivedAt = now,
            ContentType = context.Request.ContentType,
            Body = body,
            BodyLength = body.Length,
            BodyReference = inline ? null : $"{source.Name}/{EventSubjects.DeliveryToken(deliveryId)}",
            ProviderHeaders = forwarded,
        };
    }

    private static bool AcceptsMediaType(WebhookSource source, string? contentType)
    {
        if (source.ContentTypes.Count == 0)
        {
            return true;
        }
        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed) || !parsed.MediaType.HasValue)
        {
            return false;
        }
        foreach (var accepted in source.ContentTypes)
        {
            if (parsed.MediaType.Equals(accepted, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    private static string? SlackChallenge(ReadOnlySpan<byte> body)
    {
        var strings = Signing.JsonStrings(body, "type", "challenge");
        return strings.First == "url_verification" ? strings.Second : null;
    }

    private IResult TooLarge(string source, WebhookSource webhookSource) =>
        Reject(source, Outcomes.TooLarge, StatusCodes.Status413PayloadTooLarge, $"the body is larger than the {webhookSource.Options.MaxBodyBytes} bytes this source accepts");

    private IResult Reject(string source, string outcome, int status, string detail)
    {
        metrics.Count(source, outcome);
        LogRejected(logger, source, status, outcome);
        return Problem(status, detail);
    }

    private static IResult Problem(int status, string detail) => Results.Problem(detail: detail, statusCode: status);

    private static string Seconds(TimeSpan wait) => ((int)Math.Max(1, Math.Ceiling(wait.TotalSeconds))).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Rejected a delivery for {Source}: {Status} {Outcome}")]
    private static partial void LogRejected(ILogger logger, string source, int status, string outcome);

    [LoggerMessage(EventId = 21, Level = LogLevel.Debug, Message = "Delivery {DeliveryId} for {Source} is already stored")]
    private static partial void LogDuplicate(ILogger logger, string source, string deliveryId);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "Cannot enqueue for {Source}, answered 503: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string source, string reason);

    [LoggerMessage(EventId = 23, Level = LogLevel.Error, Message = "The broker refused an event for {Source}, answered {Status}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string source, int status, string reason, Exception? exception);

    [LoggerMessage(EventId = 24, Level = LogLevel.Error, Message = "Enqueueing an event for {Source} failed, answered 500")]
    private static partial void LogFailed(ILogger logger, string source, Exception exception);
}
