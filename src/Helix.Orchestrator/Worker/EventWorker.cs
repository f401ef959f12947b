using System.Globalization;
using Helix.Events;
using Helix.Orchestrator.Configuration;
using Helix.Orchestrator.Workflows;
using Helix.Workflows;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.ObjectStore;

namespace Helix.Orchestrator.Worker;

/// <summary>Header names of a dead letter.</summary>
internal static class DeadLetterHeaders
{
    public const string Reason = "Helix-Dead-Letter-Reason";
    public const string Deliveries = "Helix-Dead-Letter-Deliveries";
    public const string Subject = "Helix-Dead-Letter-Subject";
    public const string RunId = "Helix-Run-Id";
}

/// <summary>
/// A durable JetStream pull consumer on the events stream. Each event becomes one run (keyed by the
/// event's message id, so a redelivery finds the same run) of the workflow its route names; the
/// message is acknowledged only once the run is recorded and has ended, failed (then dead-lettered
/// with the reason) or parked for a person. Long runs report progress so JetStream does not
/// redeliver them; an event that cannot be handled goes to the dead-letter subject after
/// <c>MaxDeliveries</c>, counted by the worker (JetStream redelivers without limit, so the delivery
/// after the budget always comes); on shutdown, unfinished events go back to the stream at once.
/// </summary>
internal sealed partial class EventWorker(
    INatsConnection nats,
    IOptions<OrchestratorOptions> options,
    IOptions<EventStreamOptions> events,
    WorkflowRunner runner,
    RunScheduler scheduler,
    OrchestratorMetrics metrics,
    ILogger<EventWorker> logger) : BackgroundService
{
    private readonly OrchestratorOptions _options = options.Value;
    private readonly EventStreamOptions _events = events.Value;

    public string DeadLetterStream => $"{_events.StreamName}_DEADLETTER";

    /// <summary>The stream, the dead-letter stream and the consumer exist: events can be taken.</summary>
    public bool Consuming { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var js = new NatsJSContext(nats);
        INatsJSConsumer consumer;
        while (true)
        {
            try
            {
                consumer = await EnsureAsync(js, stoppingToken).ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The broker, or the receiver's events stream, is not there yet (start-up order is nobody's business): not ready until it is.
                LogNotConsuming(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false);
            }
        }
        Consuming = true;
        _ = Task.Run(() => WatchLagAsync(js, stoppingToken), stoppingToken);
        using var slots = new SemaphoreSlim(_options.Concurrency);
        var inFlight = new List<Task>();
        try
        {
            await foreach (var message in consumer.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = _options.Concurrency }, cancellationToken: stoppingToken).ConfigureAwait(false))
            {
                await slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                inFlight.RemoveAll(t => t.IsCompleted);
                inFlight.Add(Task.Run(async () =>
                {
                    try
                    {
                        await HandleAsync(js, message, stoppingToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }, CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // draining
        }
        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    private async Task<INatsJSConsumer> EnsureAsync(NatsJSContext js, CancellationToken cancellationToken)
    {
        // The events stream is the Webhook Receiver's (one party provisions it, so two configurations
        // never fight over it): until it exists there is nothing to consume, and the worker is not ready.
        await js.GetStreamAsync(_events.StreamName, cancellationToken: cancellationToken).ConfigureAwait(false);
        // The dead-letter subject is kept in a stream of its own, so a dead letter is never lost either.
        await js.CreateOrUpdateStreamAsync(new StreamConfig(DeadLetterStream, [_options.DeadLetterSubject])
        {
            Description = "Helix: events the Orchestrator could not handle, with the reason",
            Storage = StreamConfigStorage.File,
            MaxAge = _events.MaxAge,
            DuplicateWindow = _events.DuplicateWindow,
            NumReplicas = _events.Replicas,
        }, cancellationToken).ConfigureAwait(false);
        var filters = _options.Routes.Select(r => EventSubjects.SourceFilter(_events, r.Source)).Distinct(StringComparer.Ordinal).ToList();
        return await js.CreateOrUpdateConsumerAsync(_events.StreamName, new ConsumerConfig(_options.Consumer)
        {
            DurableName = _options.Consumer,
            Description = "Helix Orchestrator: one run per event",
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = _options.AckWait,
            // The budget is the worker's (MaxDeliveries): were it JetStream's too, a delivery cut short
            // at the budget (the service killed meanwhile) would never come again, neither as a run
            // nor as a dead letter.
            MaxDeliver = -1,
            MaxAckPending = _options.Concurrency * 4,
            FilterSubjects = filters,
            DeliverPolicy = ConsumerConfigDeliverPolicy.All,
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task HandleAsync(NatsJSContext js, INatsJSMsg<byte[]> message, CancellationToken stoppingToken)
    {
        var deliveries = (int)(message.Metadata?.NumDelivered ?? 1);
        if (deliveries > _options.MaxDeliveries)
        {
            // Every delivery of the budget ended without an outcome (the service stopped while handling
            // it, or lost it): this one ends it, so a crash loop cannot keep an event for ever.
            await DeadLetterAsync(js, message, $"delivered {deliveries} times without an outcome (budget {_options.MaxDeliveries}): the service stopped or lost it each time",
                deliveries, null, stoppingToken).ConfigureAwait(false);
            return;
        }
        WebhookEvent delivery;
        try
        {
            delivery = WebhookEvent.FromMessage(message.Headers, message.Data);
        }
        catch (FormatException e)
        {
            await DeadLetterAsync(js, message, e.Message, deliveries, null, stoppingToken).ConfigureAwait(false);
            return; // a message that is not an event never will be
        }
        var route = _options.Routes.FirstOrDefault(r => r.Matches(delivery.Source, delivery.EventType));
        if (route is null)
        {
            metrics.Event("unrouted");
            await message.AckAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
            return;
        }

        using var progress = new CancellationTokenSource();
        var heartbeat = ProgressAsync(message, progress.Token);
        Guid? runId = null;
        try
        {
            var body = delivery.BodyReference is { } reference
                ? await (await new NatsObjContext(js).GetObjectStoreAsync(_events.BodiesBucket, stoppingToken).ConfigureAwait(false)).GetBytesAsync(reference, stoppingToken).ConfigureAwait(false)
                : delivery.Body;
            var (id, _) = await runner.CreateAsync(route.Workflow, EventInput.StateOf(delivery, body), delivery.MessageId, stoppingToken).ConfigureAwait(false);
            runId = id;
            var outcome = await scheduler.RunAsync(id, stoppingToken).ConfigureAwait(false);
            await progress.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
            switch (outcome.Kind)
            {
                case RunOutcomeKind.Completed or RunOutcomeKind.Interrupted or RunOutcomeKind.Cancelled:
                    await message.AckAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
                    metrics.Event(outcome.ToString().ToLowerInvariant());
                    break;
                case RunOutcomeKind.Failed:
                    await DeadLetterAsync(js, message, outcome.Error ?? "the run failed", deliveries, id, stoppingToken).ConfigureAwait(false);
                    break;
                default:
                    await SettleNotClaimedAsync(message, id, stoppingToken).ConfigureAwait(false);
                    break;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the run is handed back; the event goes to another worker now.
            await message.NakAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or System.Text.Json.JsonException || IsBadData(e))
        {
            // The workflow is unknown, the event does not fit its state, or the database refuses its
            // data (a NUL in a string, say): no delivery will change that.
            await DeadLetterAsync(js, message, $"{e.GetType().Name}: {e.Message}", deliveries, runId, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogFailed(logger, delivery.MessageId, deliveries, e);
            if (deliveries >= _options.MaxDeliveries)
            {
                await DeadLetterAsync(js, message, $"{e.GetType().Name}: {e.Message} (after {deliveries} deliveries)", deliveries, runId, stoppingToken).ConfigureAwait(false);
            }
            else
            {
                var delay = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, _options.RedeliveryDelay.Ticks << Math.Min(deliveries - 1, 20)));
                await message.NakAsync(delay: delay, cancellationToken: stoppingToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await progress.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
        }
    }

    // PostgreSQL's class 22 (data exception: untranslatable character, value too long, ...) is about
    // the data, not the database being away.
    private static bool IsBadData(Exception e) => e is Npgsql.PostgresException { SqlState: [ '2', '2', .. ] };

    /// <summary>Another worker (or the sweeper) holds the run: acknowledge once it has ended, else look again later.</summary>
    private async Task SettleNotClaimedAsync(INatsJSMsg<byte[]> message, Guid id, CancellationToken cancellationToken)
    {
        var run = await runner.Store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (run is not null && (RunStatus.IsTerminal(run.Status) || run.Status == RunStatus.Interrupted))
        {
            await message.AckAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return;
        }
        await message.NakAsync(delay: _options.Lease, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private async Task ProgressAsync(INatsJSMsg<byte[]> message, CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(_options.AckWait / 3);
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await message.AckProgressAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // the event is settled
        }
    }

    private async Task DeadLetterAsync(NatsJSContext js, INatsJSMsg<byte[]> message, string reason, int deliveries, Guid? runId, CancellationToken cancellationToken)
    {
        var headers = new NatsHeaders();
        foreach (var (name, values) in message.Headers ?? [])
        {
            if (name != EventHeaders.MsgId)
            {
                headers[name] = values;
            }
        }
        headers[DeadLetterHeaders.Reason] = reason.Length > 2000 ? reason[..2000] : reason;
        headers[DeadLetterHeaders.Deliveries] = deliveries.ToString(CultureInfo.InvariantCulture);
        headers[DeadLetterHeaders.Subject] = message.Subject;
        if (runId is { } id)
        {
            headers[DeadLetterHeaders.RunId] = id.ToString();
        }
        // One dead letter per event: a worker killed between this publish and the terminate below
        // leaves the event to be delivered again, and its second dead letter is JetStream's duplicate.
        if (message.Metadata is { } metadata)
        {
            headers[EventHeaders.MsgId] = $"{_events.StreamName}:{metadata.Sequence.Stream.ToString(CultureInfo.InvariantCulture)}";
        }
        // Acknowledged by JetStream before the event is let go: a dead letter is stored, or the event stays.
        var ack = await js.PublishAsync(_options.DeadLetterSubject, message.Data, headers: headers, cancellationToken: cancellationToken).ConfigureAwait(false);
        ack.EnsureSuccess();
        await message.AckTerminateAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        metrics.Event("dead_letter");
        LogDeadLettered(logger, message.Subject, reason);
    }

    private async Task WatchLagAsync(NatsJSContext js, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        do
        {
            try
            {
                var consumer = await js.GetConsumerAsync(_events.StreamName, _options.Consumer, cancellationToken).ConfigureAwait(false);
                metrics.QueuePending((long)consumer.Info.NumPending);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // the broker is away; the gauge keeps its last value
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot set up the events consumer yet (NATS, or the events stream the Webhook Receiver creates, is not there)")]
    private static partial void LogNotConsuming(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {MessageId} (delivery {Deliveries}) could not be handled")]
    private static partial void LogFailed(ILogger logger, string messageId, int deliveries, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event on {Subject} dead-lettered: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string subject, string reason);
}
