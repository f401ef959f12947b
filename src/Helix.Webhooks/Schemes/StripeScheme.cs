using System.Text;

namespace Helix.Webhooks.Schemes;

/// <summary>
/// Stripe: <c>Stripe-Signature: t=&lt;unix&gt;,v1=&lt;hex&gt;[,v1=...]</c>, HMAC-SHA256 over <c>{t}.{body}</c>
/// with the endpoint secret used as UTF-8 text (the <c>whsec_</c> prefix included).
/// </summary>
internal sealed class StripeScheme : IWebhookScheme
{
    private const string SignatureHeader = "Stripe-Signature";

    public IReadOnlyList<string> ContentTypes { get; } = ["application/json"];

    public IReadOnlyList<string> ForwardedHeaders { get; } = [SignatureHeader];

    public byte[] DecodeSecret(string secret) => Signing.Utf8(secret);

    public Verification Verify(IHeaderDictionary headers, ReadOnlySpan<byte> body, IReadOnlyList<byte[]> keys, DateTimeOffset now, TimeSpan tolerance)
    {
        var header = Signing.Header(headers, SignatureHeader);
        if (header is null)
        {
            return Verification.Missing($"{SignatureHeader} header is required");
        }

        string? timestamp = null;
        var candidates = new List<byte[]>();
        foreach (var item in header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (item.StartsWith("t=", StringComparison.Ordinal))
            {
                timestamp ??= item[2..];
            }
            else if (item.StartsWith("v1=", StringComparison.Ordinal) && Signing.FromHex(item.AsSpan(3)) is { } candidate)
            {
                candidates.Add(candidate);
            }
        }
        if (timestamp is null || candidates.Count == 0)
        {
            return Verification.Invalid($"{SignatureHeader} must hold t= and at least one v1= signature");
        }

        var prefix = Encoding.UTF8.GetBytes(timestamp + ".");
        return Signing.AnyMatches(keys, prefix, body, candidates)
            ? Signing.CheckTimestamp(timestamp, now, tolerance)
            : Verification.Invalid("signature does not match");
    }

    /// <summary>Stripe's event id (<c>evt_...</c>) and type live in the body.</summary>
    public Delivery Describe(IHeaderDictionary headers, ReadOnlySpan<byte> body) => Delivery.From(Signing.JsonStrings(body, "id", "type"));
}
