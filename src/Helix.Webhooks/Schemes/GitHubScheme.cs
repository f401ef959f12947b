
namespace Helix.Webhooks.Schemes;

/// <summary>GitHub: <c>X-Hub-Signature-256: sha256=&lt;hex&gt;</c> over the body; no timestamp, so replays are caught by the delivery id.</summary>
internal sealed class GitHubScheme : IWebhookScheme
{
    private const string SignatureHeader = "X-Hub-Signature-256";
    private const string DeliveryHeader = "X-GitHub-Delivery";
    private const string EventHeader = "X-GitHub-Event";
    private const string Prefix = "sha256=";

    public IReadOnlyList<string> ContentTypes { get; } = ["application/json", "application/x-www-form-urlencoded"];

    public IReadOnlyList<string> ForwardedHeaders { get; } =
        [DeliveryHeader, EventHeader, SignatureHeader, "X-GitHub-Hook-ID", "X-GitHub-Hook-Installation-Target-ID", "X-GitHub-Hook-Installation-Target-Type"];

    public byte[] DecodeSecret(string secret) => Signing.Utf8(secret);

    public Verification Verify(IHeaderDictionary headers, ReadOnlySpan<byte> body, IReadOnlyList<byte[]> keys, DateTimeOffset now, TimeSpan tolerance)
    {
        var signature = Signing.Header(headers, SignatureHeader);
        if (signature is null)
        {
            return Verification.Missing($"{SignatureHeader} header is required");
        }
        if (!signature.StartsWith(Prefix, StringComparison.Ordinal) || Signing.FromHex(signature.AsSpan(Prefix.Length)) is not { } candidate)
        {
            return Verification.Invalid($"{SignatureHeader} must be sha256= and 64 hex digits");
        }
        return Signing.AnyMatches(keys, [], body, [candidate]) ? Verification.Valid : Verification.Invalid("signature does not match");
    }

    public Delivery Describe(IHeaderDictionary headers, ReadOnlySpan<byte> body) =>
        new(Signing.Header(headers, DeliveryHeader), Signing.Header(headers, EventHeader));
}
