namespace Helix.Events;

/// <summary>NATS header names of the event envelope.</summary>
public static class EventHeaders
{
    /// <summary>The envelope's version; from version 2 its text values are in <see cref="EnvelopeText"/> form.</summary>
    public const string Envelope = "Helix-Envelope";
    public const string CurrentEnvelope = "2";

    /// <summary>JetStream de-duplication key: <c>{source}:{delivery id}</c>.</summary>
    public const string MsgId = "Nats-Msg-Id";
    public const string Source = "Helix-Source";
    public const string EventType = "Helix-Event-Type";
    public const string DeliveryId = "Helix-Delivery-Id";
    public const string ReceivedAt = "Helix-Received-At";
    public const string ContentType = "Helix-Content-Type";
    public const string BodyLength = "Helix-Body-Length";

    /// <summary>Set instead of an inline body: the object name in the bodies bucket.</summary>
    public const string BodyReference = "Helix-Body-Ref";

    /// <summary>Prefix of the provider's own headers that travel with the event.</summary>
    public const string ProviderHeaderPrefix = "Helix-Header-";

    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";
}
