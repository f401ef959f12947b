using System.Text.Json;
using Helix.Webhooks.Configuration;
using Helix.Webhooks.Schemes;
using Microsoft.AspNetCore.Http;

namespace Helix.Webhooks.Tests;

/// <summary>A published or independently computed signature example.</summary>
public sealed record SignatureVector(
    string File, string Scheme, string Secret, IReadOnlyDictionary<string, string> Headers, string Body,
    string Signature, string? Timestamp, JsonElement? Generic)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public override string ToString() => $"{File}: {Scheme}";

    public static IEnumerable<SignatureVector> Load()
    {
        foreach (var file in new[] { "provider-published-signatures.json", "computed-signatures.json" })
        {
            using var document = JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testdata", file)));
            foreach (var v in document.RootElement.GetProperty("vectors").EnumerateArray())
            {
                var headers = v.GetProperty("headers").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.OrdinalIgnoreCase);
                yield return new SignatureVector(
                    file,
                    v.GetProperty("scheme").GetString()!,
                    v.GetProperty("secret").GetString()!,
                    headers,
                    v.GetProperty("body").GetString()!,
                    v.GetProperty("signature").GetString()!,
                    v.TryGetProperty("timestamp", out var t) ? t.GetString() : TimestampOf(headers),
                    v.TryGetProperty("generic", out var g) ? g.Clone() : null);
            }
        }
    }

    private static string? TimestampOf(Dictionary<string, string> headers) =>
        headers.TryGetValue("webhook-timestamp", out var t) || headers.TryGetValue("X-Slack-Request-Timestamp", out t) ? t : null;

    /// <summary>When the provider signed it, so the tolerance is met; any time for untimed schemes.</summary>
    public DateTimeOffset SignedAt => Timestamp is null ? DateTimeOffset.UnixEpoch : DateTimeOffset.FromUnixTimeSeconds(long.Parse(Timestamp, System.Globalization.CultureInfo.InvariantCulture));

    internal IWebhookScheme CreateScheme() => Scheme switch
    {
        "standard-webhooks" => new StandardWebhooksScheme(),
        "github" => new GitHubScheme(),
        "stripe" => new StripeScheme(),
        "slack" => new SlackScheme(),
        "shopify" => new ShopifyScheme(),
        "generic" => new GenericHmacScheme(Generic!.Value.Deserialize<GenericSchemeOptions>(JsonOptions)!),
        _ => throw new InvalidOperationException($"no scheme {Scheme}"),
    };

    public string SignatureHeader => Scheme switch
    {
        "standard-webhooks" => "webhook-signature",
        "github" => "X-Hub-Signature-256",
        "stripe" => "Stripe-Signature",
        "slack" => "X-Slack-Signature",
        "shopify" => "X-Shopify-Hmac-Sha256",
        "generic" => Generic!.Value.GetProperty(nameof(GenericSchemeOptions.SignatureHeader)).GetString()!,
        _ => throw new InvalidOperationException($"no scheme {Scheme}"),
    };

    public HeaderDictionary HeadersWith(string? signature)
    {
        var headers = new HeaderDictionary();
        foreach (var (name, value) in Headers)
        {
            headers[name] = value;
        }
        if (signature is not null)
        {
            headers[SignatureHeader] = signature;
        }
        return headers;
    }
}
