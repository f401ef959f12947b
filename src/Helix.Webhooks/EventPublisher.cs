using Helix.Events;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.ObjectStore;

namespace Helix.Webhooks;

internal enum PublishOutcome
{
    Accepted,
    Duplicate,
}

/// <summary>The broker cannot take the event now (down, not provisioned, or the stream is full): answer 503.</summary>
internal sealed class BrokerUnavailableException(string reason, Exception? inner = null) : Exception(reason, inner)
{
    public string Reason { get; } = reason;
}

/// <summary>
/// Stores one event durably in JetStream and says whether it is new. The answer comes only from
/// the broker's acknowledgement: accepted means stored on disk (file storage), duplicate means an
/// earlier delivery with that id is stored.
/// </summary>
internal sealed class EventPublisher(
    INatsConnection connection,
    StreamReadiness readiness,
    IOptions<EventStreamOptions> streamOptions)
{
    private readonly NatsJSContext _jetStream = new((NatsConnection)connection);

    public async Task<PublishOutcome> PublishAsync(WebhookEvent webhookEvent, string subject, TimeSpan timeout)
    {
        if (connection.ConnectionState != NatsConnectionState.Open)
        {
            // Fail fast: a publish buffered while disconnected could be sent after we answered.
            throw new BrokerUnavailableException("the message broker is not connected");
        }
        if (!readiness.IsProvisioned)
        {
            throw new BrokerUnavailableException("the events stream is not provisioned yet");
        }

        // Not tied to the caller's request: once started, the publish finishes or times out, so a
        // client that hangs up cannot leave the event half-stored.
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            if (webhookEvent.BodyReference is not null)
            {
                var store = await new NatsObjContext(_jetStream).GetObjectStoreAsync(streamOptions.Value.BodiesBucket, cts.Token).ConfigureAwait(false);
                await store.PutAsync(webhookEvent.BodyReference, webhookEvent.Body.ToArray(), cts.Token).ConfigureAwait(false);
                webhookEvent = webhookEvent with { Body = ReadOnlyMemory<byte>.Empty };
            }

            var ack = await _jetStream.PublishAsync(
                subject,
                webhookEvent.Body,
                serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default,
                opts: new NatsJSPubOpts { MsgId = webhookEvent.MessageId },
                headers: webhookEvent.ToHeaders(),
                cancellationToken: cts.Token).ConfigureAwait(false);

            if (ack.Error is { } error)
            {
                if (IsAlreadyStored(error.Description))
                {
                    return PublishOutcome.Duplicate;
                }
                throw new BrokerUnavailableException($"the events stream refused the event: {error.Description} ({error.ErrCode})");
            }
            return ack.Duplicate ? PublishOutcome.Duplicate : PublishOutcome.Accepted;
        }
        catch (OperationCanceledException e) when (cts.IsCancellationRequested)
        {
            throw new BrokerUnavailableException($"the message broker did not acknowledge within {timeout.TotalSeconds:0.#} s", e);
        }
        catch (NatsJSApiException e)
        {
            if (IsAlreadyStored(e.Error.Description))
            {
                return PublishOutcome.Duplicate;
            }
            if (e.Error.Code == 404)
            {
                readiness.MarkLost(); // the bodies bucket (or the stream) was deleted
            }
            throw new BrokerUnavailableException($"the events stream refused the event: {e.Error.Description} ({e.Error.ErrCode})", e);
        }
        catch (Exception e) when (e is NatsNoRespondersException or NatsJSPublishNoResponseException)
        {
            // Connected, but no stream captures the subject: the stream was deleted.
            readiness.MarkLost();
            throw new BrokerUnavailableException("no events stream answers; provisioning it again", e);
        }
        catch (NatsException e)
        {
            throw new BrokerUnavailableException("the message broker failed: " + e.GetType().Name, e);
        }
    }

    // One message per delivery subject: a refusal for that reason means "already stored".
    private static bool IsAlreadyStored(string? refusal) =>
        refusal?.Contains("per subject", StringComparison.OrdinalIgnoreCase) == true;
}
