
namespace Helix.Webhooks.Schemes;

/// <summary>How one provider signs its deliveries and names them.</summary>
internal interface IWebhookScheme
{
    /// <summary>Media types the provider sends; empty means any.</summary>
    IReadOnlyList<string> ContentTypes { get; }

    /// <summary>Provider headers that travel with the event to its consumers.</summary>
    IReadOnlyList<string> ForwardedHeaders { get; }

    /// <summary>The HMAC key of a configured secret, as the provider derives it.</summary>
    byte[] DecodeSecret(string secret);

    /// <summary>Checks the signature over the exact body bytes against every key (rotation), in constant time per comparison.</summary>
    Verification Verify(IHeaderDictionary headers, ReadOnlySpan<byte> body, IReadOnlyList<byte[]> keys, DateTimeOffset now, TimeSpan tolerance);

    /// <summary>The delivery id (the same on every retry) and event type, read once the delivery is verified.</summary>
    Delivery Describe(IHeaderDictionary headers, ReadOnlySpan<byte> body);
}

internal enum VerificationStatus
{
    Valid,
    Missing,
    Invalid,
    Stale,
}

internal readonly record struct Verification(VerificationStatus Status, string Reason)
{
    public static readonly Verification Valid = new(VerificationStatus.Valid, "valid");

    public static Verification Missing(string reason) => new(VerificationStatus.Missing, reason);

    public static Verification Invalid(string reason) => new(VerificationStatus.Invalid, reason);

    public static Verification Stale(string reason) => new(VerificationStatus.Stale, reason);
}

/// <param name="Id">The provider's delivery id, or null when it sends none.</param>
/// <param name="EventType">The provider's event type, or null when it names none.</param>
/// <param name="Problem">Why the id or type the provider sent cannot be read, or null.</param>
internal readonly record struct Delivery(string? Id, string? EventType, string? Problem = null)
{
    public static Delivery From(BodyStrings strings) => new(strings.First, strings.Second, strings.Problem);
}
