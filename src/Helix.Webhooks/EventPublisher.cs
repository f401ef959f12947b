using System.Net.Sockets;
using Helix.Events;
using Helix.Webhooks.Configuration;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;
using NATS.Client.ObjectStore;

namespace Helix.Webhooks;

internal enum PublishOutcome
{
    Accepted,
    Duplicate,

    /// <summary>The replay guard has seen this body under another delivery id: not stored.</summary>
    Replay,
}

/// <summary>The broker cannot take the event now (down, not provisioned, or the stream is full): answer 503.</summary>
internal sealed class BrokerUnavailableException(string reason, Exception? inner = null) : Exception(reason, inner)
{
    public string Reason { get; } = reason;
}

/// <summary>The broker refused this event for a reason a retry does not change: answer <see cref="Status"/>.</summary>
internal sealed class EventRefusedException(int status, string reason, Exception? inner = null) : Exception(reason, inner)
{
    public int Status { get; } = status;

    public string Reason { get; } = reason;
}

/// <param name="Window">How long a body is remembered.</param>
/// <param name="BodyHash">Lowercase hex SHA-256 of the signed body.</param>
internal readonly record struct ReplayCheck(TimeSpan Window, string BodyHash);

/// <summary>
/// Stores one event durably in JetStream and says whether it is new. The answer comes only from
/// the broker's acknowledgement: accepted means stored on disk (file storage), duplicate means an
/// earlier delivery with that id is stored. Every failure is classified once: the broker is
/// unavailable (<see cref="BrokerUnavailableException"/>, transient) or the event is refused
/// (<see cref="EventRefusedException"/>, permanent).
/// </summary>
internal sealed class EventPublisher(
    INatsConnection connection,
    StreamReadiness readiness,
    IOptions<EventStreamOptions> streamOptions,
    IOptions<ReceiverOptions> receiverOptions,
    TimeProvider time)
{
    // JetStream's "message size exceeds maximum allowed".
    private const int MessageTooLargeErrorCode = 10054;

    private readonly NatsJSContext _jetStream = new((NatsConnection)connection);

    /// <summary>Creates or updates the replay guard's bucket; its age limit is the longest window of any source.</summary>
    public async Task EnsureReplayBucketAsync(TimeSpan longestWindow, CancellationToken cancellationToken) =>
        await new NatsKVContext(_jetStream).CreateOrUpdateStoreAsync(new NatsKVConfig(receiverOptions.Value.ReplayBucket)
        {
            Description = "Helix: signed bodies of sources with a replay guard, by SHA-256",
            Storage = NatsKVStorageType.File,
            History = 1,
            MaxAge = longestWindow,
            NumberOfReplicas = streamOptions.Value.Replicas,
        }, cancellationToken).ConfigureAwait(false);

    public async Task<PublishOutcome> PublishAsync(WebhookEvent webhookEvent, string subject, TimeSpan timeout, ReplayCheck? replay = null)
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
            if (replay is { } check && !await AdmitAsync(webhookEvent, check, cts.Token).ConfigureAwait(false))
            {
                return PublishOutcome.Replay;
            }

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
                return IsAlreadyStored(error.Description) ? PublishOutcome.Duplicate : throw Refusal(error, null);
            }
            return ack.Duplicate ? PublishOutcome.Duplicate : PublishOutcome.Accepted;
        }
        catch (OperationCanceledException e) when (cts.IsCancellationRequested)
        {
            throw new BrokerUnavailableException($"the message broker did not acknowledge within {timeout.TotalSeconds:0.#} s", e);
        }
        catch (NatsJSApiException e)
        {
            return IsAlreadyStored(e.Error.Description) ? PublishOutcome.Duplicate : throw Refusal(e.Error, e);
        }
        catch (Exception e) when (e is NatsNoRespondersException or NatsJSPublishNoResponseException)
        {
            // Connected, but no stream captures the subject: the stream was deleted.
            readiness.MarkLost();
            throw new BrokerUnavailableException("no events stream answers; provisioning it again", e);
        }
        catch (NatsPayloadTooLargeException e)
        {
            throw new EventRefusedException(StatusCodes.Status413PayloadTooLarge, "the event is larger than the message broker accepts", e);
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            throw new BrokerUnavailableException("the connection to the message broker failed: " + e.GetType().Name, e);
        }
    }

    /// <summary>True when this body may be stored: never seen in the window, or seen under this same delivery id (a retry).</summary>
    private async Task<bool> AdmitAsync(WebhookEvent webhookEvent, ReplayCheck check, CancellationToken cancellationToken)
    {
        var store = await new NatsKVContext(_jetStream).GetStoreAsync(receiverOptions.Value.ReplayBucket, cancellationToken).ConfigureAwait(false);
        var key = $"{webhookEvent.Source}.{check.BodyHash}";
        var deliveryId = EnvelopeText.Encode(webhookEvent.DeliveryId);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                await store.CreateAsync(key, deliveryId, cancellationToken: cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (NatsKVCreateException)
            {
                // Seen before: a retry of the same delivery, an expired memory, or a replay.
            }
            NatsKVEntry<string> seen;
            try
            {
                seen = await store.GetEntryAsync<string>(key, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NatsKVKeyNotFoundException or NatsKVKeyDeletedException)
            {
                continue; // aged out between the two calls
            }
            if (seen.Value == deliveryId)
            {
                return true;
            }
            if (time.GetUtcNow() - seen.Created < check.Window)
            {
                return false;
            }
            try
            {
                // Older than this source's window (the bucket keeps the longest window of all sources).
                await store.UpdateAsync(key, deliveryId, seen.Revision, cancellationToken: cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (NatsKVWrongLastRevisionException)
            {
                // Another copy got there first; look again.
            }
        }
        return false;
    }

    // What the broker's refusal means: the stream is full or gone (transient), or the event itself cannot be stored.
    private Exception Refusal(ApiError error, Exception? inner)
    {
        var what = $"{error.Description} ({error.ErrCode})";
        if (error.Code == 404)
        {
            readiness.MarkLost(); // the bodies bucket (or the stream) was deleted
            return new BrokerUnavailableException("the events stream is gone: " + what, inner);
        }
        if (error.Code == 503)
        {
            return new BrokerUnavailableException("the events stream cannot store now (full, or no quorum): " + what, inner);
        }
        if (error.ErrCode == MessageTooLargeErrorCode)
        {
            return new EventRefusedException(StatusCodes.Status413PayloadTooLarge, "the event is larger than the events stream accepts", inner);
        }
        return new EventRefusedException(StatusCodes.Status500InternalServerError, "the events stream refused the event: " + what, inner);
    }

    private bool IsConnectionFailure(Exception e) =>
        e is NatsConnectionFailedException or NatsTimeoutException
        || (e is NatsException or SocketException or IOException && connection.ConnectionState != NatsConnectionState.Open);

    // One message per delivery subject: a refusal for that reason means "already stored".
    private static bool IsAlreadyStored(string? refusal) =>
        refusal?.Contains("per subject", StringComparison.OrdinalIgnoreCase) == true;
}
