using System.Text;

namespace Helix.Webhooks.Schemes;

/// <summary>Slack: <c>X-Slack-Signature: v0=&lt;hex&gt;</c> over <c>v0:{X-Slack-Request-Timestamp}:{body}</c>.</summary>
internal sealed class SlackScheme : IWebhookScheme
{
    private const string SignatureHeader = "X-Slack-Signature";
    private const string TimestampHeader = "X-Slack-Request-Timestamp";
    private const string Prefix = "v0=";

    public IReadOnlyList<string> ContentTypes { get; } = ["application/x-www-form-urlencoded", "application/json"];

    public IReadOnlyList<string> ForwardedHeaders { get; } = [SignatureHeader, TimestampHeader, "X-Slack-Retry-Num", "X-Slack-Retry-Reason"];

    public byte[] DecodeSecret(string secret) => Signing.Utf8(secret);

    public Verification Verify(IHeaderDictionary headers, ReadOnlySpan<byte> body, IReadOnlyList<byte[]> keys, DateTimeOffset now, TimeSpan tolerance)
    {
        var signature = Signing.Header(headers, SignatureHeader);
        var timestamp = Signing.Header(headers, TimestampHeader);
        if (signature is null || timestamp is null)
        {
            return Verification.Missing($"{SignatureHeader} and {TimestampHeader} headers are required");
        }
        if (!signature.StartsWith(Prefix, StringComparison.Ordinal) || Signing.FromHex(signature.AsSpan(Prefix.Length)) is not { } candidate)
        {
            return Verification.Invalid($"{SignatureHeader} must be v0= and 64 hex digits");
        }

        var prefix = Encoding.UTF8.GetBytes($"v0:{timestamp}:");
        return Signing.AnyMatches(keys, prefix, body, [candidate])
            ? Signing.CheckTimestamp(timestamp, now, tolerance)
            : Verification.Invalid("signature does not match");
    }

    /// <summary>The Events API names each event (<c>event_id</c>); slash commands and interactions carry no id.</summary>
    public Delivery Describe(IHeaderDictionary headers, ReadOnlySpan<byte> body) => Delivery.From(Signing.JsonStrings(body, "event_id", "type"));
}
