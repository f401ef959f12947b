using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.ObjectStore;

namespace Helix.Events;

/// <summary>
/// Creates or updates the JetStream resources of <see cref="EventStreamOptions"/>: the Webhook
/// Receiver does, at start-up; consumers wait for them.
/// </summary>
public static class EventStreams
{
    public static StreamConfig EventsStream(EventStreamOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new StreamConfig(options.StreamName, [EventSubjects.StreamFilter(options)])
        {
            Description = "Helix: accepted webhook events (Helix.Events contract)",
            Storage = StreamConfigStorage.File,
            Retention = StreamConfigRetention.Limits,
            // A full stream refuses new events (the receiver answers 503, the provider retries)
            // rather than silently dropping old events nobody has processed yet.
            Discard = StreamConfigDiscard.New,
            MaxBytes = options.MaxBytes,
            MaxMsgs = options.MaxMessages,
            MaxAge = options.MaxAge,
            MaxMsgSize = options.InlineBodyLimit + (64 << 10),
            // Each delivery has a subject of its own (see EventSubjects.For): one message per
            // subject, and a second one refused, makes the stored event its own de-duplication
            // record for as long as it is kept, beyond JetStream's Nats-Msg-Id window.
            MaxMsgsPerSubject = 1,
            DiscardNewPerSubject = true,
            DuplicateWindow = options.DuplicateWindow,
            NumReplicas = options.Replicas,
        };
    }

    public static async Task EnsureAsync(INatsJSContext jetStream, EventStreamOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jetStream);
        ArgumentNullException.ThrowIfNull(options);

        await jetStream.CreateOrUpdateStreamAsync(EventsStream(options), cancellationToken).ConfigureAwait(false);

        var objects = new NatsObjContext(jetStream);
        await objects.CreateObjectStoreAsync(new NatsObjConfig(options.BodiesBucket)
        {
            Description = "Helix: webhook bodies too large to travel inline",
            Storage = NatsObjStorageType.File,
            MaxAge = options.MaxAge,
            NumberOfReplicas = options.Replicas,
        }, cancellationToken).ConfigureAwait(false);
    }
}
