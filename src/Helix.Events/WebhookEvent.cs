using System.Globalization;
using NATS.Client.Core;

namespace Helix.Events;

/// <summary>
/// One accepted webhook delivery as it travels through JetStream: metadata in headers, the raw
/// body bytes as the payload (exactly what the provider signed), or a reference to the bodies
/// bucket when the body is large.
/// </summary>
public sealed record WebhookEvent
{
    public required string Source { get; init; }

    /// <summary>The provider's event type (<c>push</c>, <c>invoice.paid</c>, ...), <c>unknown</c> if it names none.</summary>
    public required string EventType { get; init; }

    /// <summary>The provider's delivery id: the same for every retry of one delivery.</summary>
    public required string DeliveryId { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    public string? ContentType { get; init; }

    /// <summary>The raw body; empty when <see cref="BodyReference"/> is set.</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>Length of the body the provider sent, inline or not.</summary>
    public required long BodyLength { get; init; }

    /// <summary>Object name in <see cref="EventStreamOptions.BodiesBucket"/> holding a large body.</summary>
    public string? BodyReference { get; init; }

    /// <summary>Provider headers that matter to consumers (signature, timestamp, event and hook ids).</summary>
    public IReadOnlyDictionary<string, string> ProviderHeaders { get; init; } = new Dictionary<string, string>();

    public string? TraceParent { get; init; }

    public string? TraceState { get; init; }

    /// <summary>The JetStream de-duplication key of this delivery: <c>{source}:{delivery id}</c>, the id in <see cref="EnvelopeText"/> form.</summary>
    public string MessageId => $"{Source}:{EnvelopeText.Encode(DeliveryId)}";

    /// <summary>The envelope as NATS headers; provider text in <see cref="EnvelopeText"/> form, so it arrives exactly as sent.</summary>
    public NatsHeaders ToHeaders()
    {
        var headers = new NatsHeaders
        {
            [EventHeaders.Envelope] = EventHeaders.CurrentEnvelope,
            [EventHeaders.MsgId] = MessageId,
            [EventHeaders.Source] = EnvelopeText.Encode(Source),
            [EventHeaders.EventType] = EnvelopeText.Encode(EventType),
            [EventHeaders.DeliveryId] = EnvelopeText.Encode(DeliveryId),
            [EventHeaders.ReceivedAt] = ReceivedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            [EventHeaders.BodyLength] = BodyLength.ToString(CultureInfo.InvariantCulture),
        };
        if (ContentType is not null)
        {
            headers[EventHeaders.ContentType] = EnvelopeText.Encode(ContentType);
        }
        if (BodyReference is not null)
        {
            headers[EventHeaders.BodyReference] = EnvelopeText.Encode(BodyReference);
        }
        if (TraceParent is not null)
        {
            headers[EventHeaders.TraceParent] = TraceParent;
        }
        if (TraceState is not null)
        {
            headers[EventHeaders.TraceState] = TraceState;
        }
        foreach (var (name, value) in ProviderHeaders)
        {
            headers[EventHeaders.ProviderHeaderPrefix + name] = EnvelopeText.Encode(value);
        }
        return headers;
    }

    /// <summary>Reads an event back from a JetStream message; throws <see cref="FormatException"/> (and nothing else) when it is not one.</summary>
    public static WebhookEvent FromMessage(NatsHeaders? headers, ReadOnlyMemory<byte> payload)
    {
        if (headers is null)
        {
            throw new FormatException("not a Helix webhook event: the message has no headers");
        }
        // Envelopes written before EnvelopeText carried their text as it came.
        Func<string, string> text = Optional(headers, EventHeaders.Envelope) is null ? value => value : EnvelopeText.Decode;

        var provider = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in headers)
        {
            if (name.StartsWith(EventHeaders.ProviderHeaderPrefix, StringComparison.OrdinalIgnoreCase))
            {
                provider[name[EventHeaders.ProviderHeaderPrefix.Length..]] = text(values.ToString());
            }
        }

        var source = text(Required(headers, EventHeaders.Source));
        var eventType = text(Required(headers, EventHeaders.EventType));
        var deliveryId = text(Required(headers, EventHeaders.DeliveryId));
        var receivedAt = Required(headers, EventHeaders.ReceivedAt);
        var bodyLength = Required(headers, EventHeaders.BodyLength);
        return new WebhookEvent
        {
            Source = source,
            EventType = eventType,
            DeliveryId = deliveryId,
            ReceivedAt = DateTimeOffset.TryParse(receivedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? at
                : throw new FormatException($"not a Helix webhook event: {EventHeaders.ReceivedAt} is not a time"),
            BodyLength = long.TryParse(bodyLength, NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                ? length
                : throw new FormatException($"not a Helix webhook event: {EventHeaders.BodyLength} is not a length in bytes"),
            ContentType = Optional(headers, EventHeaders.ContentType) is { } contentType ? text(contentType) : null,
            BodyReference = Optional(headers, EventHeaders.BodyReference) is { } reference ? text(reference) : null,
            TraceParent = Optional(headers, EventHeaders.TraceParent),
            TraceState = Optional(headers, EventHeaders.TraceState),
            Body = payload,
            ProviderHeaders = provider,
        };
    }

    private static string Required(NatsHeaders headers, string name) =>
        Optional(headers, name) ?? throw new FormatException($"not a Helix webhook event: header {name} is missing");

    private static string? Optional(NatsHeaders headers, string name) =>
        headers.TryGetValue(name, out var values) && values.Count > 0 ? values.ToString() : null;
}
