
namespace Helix.Webhooks.Schemes;

/// <summary>Shopify: <c>X-Shopify-Hmac-Sha256</c>, base64 HMAC-SHA256 of the body with the app's client secret.</summary>
internal sealed class ShopifyScheme : IWebhookScheme
{
    private const string SignatureHeader = "X-Shopify-Hmac-Sha256";
    private const string WebhookIdHeader = "X-Shopify-Webhook-Id";
    private const string TopicHeader = "X-Shopify-Topic";

    public IReadOnlyList<string> ContentTypes { get; } = ["application/json"];

    public IReadOnlyList<string> ForwardedHeaders { get; } =
        [SignatureHeader, WebhookIdHeader, TopicHeader, "X-Shopify-Shop-Domain", "X-Shopify-API-Version", "X-Shopify-Event-Id", "X-Shopify-Triggered-At"];

    public byte[] DecodeSecret(string secret) => Signing.Utf8(secret);

    public Verification Verify(IHeaderDictionary headers, ReadOnlySpan<byte> body, IReadOnlyList<byte[]> keys, DateTimeOffset now, TimeSpan tolerance)
    {
        var signature = Signing.Header(headers, SignatureHeader);
        if (signature is null)
        {
            return Verification.Missing($"{SignatureHeader} header is required");
        }
        if (Signing.FromBase64(signature) is not { } candidate)
        {
            return Verification.Invalid($"{SignatureHeader} must be the base64 of 32 bytes");
        }
        return Signing.AnyMatches(keys, [], body, [candidate]) ? Verification.Valid : Verification.Invalid("signature does not match");
    }

    public Delivery Describe(IHeaderDictionary headers, ReadOnlySpan<byte> body) =>
        new(Signing.Header(headers, WebhookIdHeader), Signing.Header(headers, TopicHeader));
}
