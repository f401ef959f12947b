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

    /// <summary>The JetStream de-duplication key of this delivery.</summary>
    public string MessageId => MessageIdFor(Source, DeliveryId);

    public static string MessageIdFor(string source, string deliveryId) => $"{source}:{deliveryId}";

    public NatsHeaders ToHeaders()
    {
        var headers = new NatsHeaders
        {
            [EventHeaders.MsgId] = MessageId,
            [EventHeaders.Source] = Source,
            [EventHeaders.EventType] = EventType,
            [EventHeaders.DeliveryId] = DeliveryId,
            [EventHeaders.ReceivedAt] = ReceivedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            [EventHeaders.BodyLength] = BodyLength.ToString(CultureInfo.InvariantCulture),
        };
        if (ContentType is not null)
        {
            headers[EventHeaders.ContentType] = ContentType;
        }
        if (BodyReference is not null)
        {
            headers[EventHeaders.BodyReference] = BodyReference;
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
            headers[EventHeaders.ProviderHeaderPrefix + name] = value;
        }
        return headers;
    }

    /// <summary>Reads an event back from a JetStream message; throws <see cref="FormatException"/> when it is not one.</summary>
    public static WebhookEvent FromMessage(NatsHeaders? headers, ReadOnlyMemory<byte> payload)
    {
        if (headers is null)
        {
            throw new FormatException("not a Helix webhook event: the message has no headers");
        }

        var provider = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in headers)
        {
            if (name.StartsWith(EventHeaders.ProviderHeaderPrefix, StringComparison.OrdinalIgnoreCase))
            {
                provider[name[EventHeaders.ProviderHeaderPrefix.Length..]] = values.ToString();
            }
        }

        return new WebhookEvent
        {
            Source = Required(headers, EventHeaders.Source),
            EventType = Required(headers, EventHeaders.EventType),
            DeliveryId = Required(headers, EventHeaders.DeliveryId),
            ReceivedAt = DateTimeOffset.Parse(Required(headers, EventHeaders.ReceivedAt), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            BodyLength = long.Parse(Required(headers, EventHeaders.BodyLength), CultureInfo.InvariantCulture),
            ContentType = Optional(headers, EventHeaders.ContentType),
            BodyReference = Optional(headers, EventHeaders.BodyReference),
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
