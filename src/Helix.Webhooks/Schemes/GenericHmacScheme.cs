using System.Text;
using Helix.Webhooks.Configuration;

namespace Helix.Webhooks.Schemes;

/// <summary>
/// Any provider that sends an HMAC-SHA256 of the body (or of <c>{timestamp}.{body}</c>) in a header
/// of its own, hex or base64, with an optional prefix such as <c>sha256=</c>.
/// </summary>
internal sealed class GenericHmacScheme(GenericSchemeOptions options) : IWebhookScheme
{
    public IReadOnlyList<string> ContentTypes { get; } = [];

    public IReadOnlyList<string> ForwardedHeaders { get; } =
        new[] { options.SignatureHeader, options.TimestampHeader, options.DeliveryIdHeader, options.EventTypeHeader }
            .OfType<string>().ToArray();

    public byte[] DecodeSecret(string secret) => Signing.Utf8(secret);

    public Verification Verify(IHeaderDictionary headers, ReadOnlySpan<byte> body, IReadOnlyList<byte[]> keys, DateTimeOffset now, TimeSpan tolerance)
    {
        var signature = Signing.Header(headers, options.SignatureHeader);
        if (signature is null)
        {
            return Verification.Missing($"{options.SignatureHeader} header is required");
        }
        var prefix = options.SignaturePrefix ?? string.Empty;
        if (!signature.StartsWith(prefix, StringComparison.Ordinal))
        {
            return Verification.Invalid($"{options.SignatureHeader} must start with {prefix}");
        }
        var encoded = signature.AsSpan(prefix.Length);
        var candidate = options.Encoding == SignatureEncoding.Hex ? Signing.FromHex(encoded) : Signing.FromBase64(encoded);
        if (candidate is null)
        {
            return Verification.Invalid($"{options.SignatureHeader} is not a {options.Encoding} HMAC-SHA256");
        }

        string? timestamp = null;
        if (options.TimestampHeader is not null)
        {
            timestamp = Signing.Header(headers, options.TimestampHeader);
            if (timestamp is null)
            {
                return Verification.Missing($"{options.TimestampHeader} header is required");
            }
        }

        var signedPrefix = timestamp is null ? [] : Encoding.UTF8.GetBytes(timestamp + ".");
        if (!Signing.AnyMatches(keys, signedPrefix, body, [candidate]))
        {
            return Verification.Invalid("signature does not match");
        }
        return timestamp is null ? Verification.Valid : Signing.CheckTimestamp(timestamp, now, tolerance);
    }

    public Delivery Describe(IHeaderDictionary headers, ReadOnlySpan<byte> body) => new(
        options.DeliveryIdHeader is null ? null : Signing.Header(headers, options.DeliveryIdHeader),
        options.EventTypeHeader is null ? null : Signing.Header(headers, options.EventTypeHeader));
}
