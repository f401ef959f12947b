using System.Text;

namespace Helix.Webhooks.Schemes;

/// <summary>
/// Standard Webhooks (standardwebhooks.com; Svix, Resend, Clerk, ...): HMAC-SHA256 over
/// <c>{webhook-id}.{webhook-timestamp}.{body}</c>, base64, in a space-separated list of <c>v1,</c> signatures.
/// </summary>
internal sealed class StandardWebhooksScheme : IWebhookScheme
{
    private const string IdHeader = "webhook-id";
    private const string TimestampHeader = "webhook-timestamp";
    private const string SignatureHeader = "webhook-signature";
    private const string SecretPrefix = "whsec_";

    public IReadOnlyList<string> ContentTypes { get; } = ["application/json"];

    public IReadOnlyList<string> ForwardedHeaders { get; } = [IdHeader, TimestampHeader, SignatureHeader];

    public byte[] DecodeSecret(string secret)
    {
        var encoded = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        // Unpadded base64 is accepted, as the reference libraries do.
        encoded = encoded.PadRight(encoded.Length + ((4 - (encoded.Length % 4)) % 4), '=');
        try
        {
            return Convert.FromBase64String(encoded);
        }
        catch (FormatException)
        {
            throw new FormatException("a Standard Webhooks secret is base64, optionally prefixed with whsec_");
        }
    }

    public Verification Verify(IHeaderDictionary headers, ReadOnlySpan<byte> body, IReadOnlyList<byte[]> keys, DateTimeOffset now, TimeSpan tolerance)
    {
        var id = Signing.Header(headers, IdHeader);
        var timestamp = Signing.Header(headers, TimestampHeader);
        var signatures = Signing.Header(headers, SignatureHeader);
        if (id is null || timestamp is null || signatures is null)
        {
            return Verification.Missing($"{IdHeader}, {TimestampHeader} and {SignatureHeader} headers are required");
        }

        var candidates = new List<byte[]>();
        foreach (var part in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            // Other versions (v1a: asymmetric) are not HMAC and are passed over.
            if (part.StartsWith("v1,", StringComparison.Ordinal) && Signing.FromBase64(part.AsSpan(3)) is { } candidate)
            {
                candidates.Add(candidate);
            }
        }
        if (candidates.Count == 0)
        {
            return Verification.Invalid($"{SignatureHeader} holds no v1 signature");
        }

        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        if (!Signing.AnyMatches(keys, prefix, body, candidates))
        {
            return Verification.Invalid("signature does not match");
        }
        return Signing.CheckTimestamp(timestamp, now, tolerance);
    }

    public Delivery Describe(IHeaderDictionary headers, ReadOnlySpan<byte> body)
    {
        var type = Signing.JsonStrings(body, "type", "");
        return new Delivery(Signing.Header(headers, IdHeader), type.First, type.Problem);
    }
}
