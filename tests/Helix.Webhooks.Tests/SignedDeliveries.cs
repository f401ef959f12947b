using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Helix.Webhooks.Tests;

/// <summary>Deliveries signed the way each provider signs them, for the receiver's sources of every scheme.</summary>
internal static class SignedDeliveries
{
    /// <summary>One source per scheme, all with <see cref="ReceiverHost.Secret"/> (used as UTF-8 text by all but Standard Webhooks).</summary>
    public static Dictionary<string, string?> EverySchemeSettings(IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>();
        foreach (var (name, scheme) in new[] { ("stripe", "Stripe"), ("github", "GitHub"), ("slack", "Slack"), ("shopify", "Shopify"), ("generic", "Generic") })
        {
            settings[$"Receiver:Sources:{name}:Scheme"] = scheme;
            settings[$"Receiver:Sources:{name}:Secrets:0"] = "file:{secrets}/acme";
        }
        settings["Receiver:Sources:generic:Generic:SignatureHeader"] = "X-Signature";
        settings["Receiver:Sources:generic:Generic:DeliveryIdHeader"] = "X-Delivery";
        settings["Receiver:Sources:generic:Generic:EventTypeHeader"] = "X-Event";
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        return settings;
    }

    private static byte[] TextKey => Encoding.UTF8.GetBytes(ReceiverHost.Secret);

    private static string Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>Stripe: id and type are in the body.</summary>
    public static HttpRequestMessage Stripe(byte[] body)
    {
        var t = Now;
        var request = Post("stripe", body);
        request.Headers.Add("Stripe-Signature", $"t={t},v1={Hex(Encoding.UTF8.GetBytes(t + "."), body)}");
        return request;
    }

    /// <summary>Slack's Events API: event_id and type are in the body.</summary>
    public static HttpRequestMessage Slack(byte[] body)
    {
        var t = Now;
        var request = Post("slack", body);
        request.Headers.Add("X-Slack-Request-Timestamp", t);
        request.Headers.Add("X-Slack-Signature", "v0=" + Hex(Encoding.UTF8.GetBytes($"v0:{t}:"), body));
        return request;
    }

    /// <summary>Standard Webhooks: the id is a signed header, the type is in the body.</summary>
    public static HttpRequestMessage Standard(string id, byte[] body)
    {
        var t = Now;
        var request = Post(ReceiverHost.SourceName, body);
        request.Headers.TryAddWithoutValidation("webhook-id", id);
        request.Headers.Add("webhook-timestamp", t);
        var signature = HMACSHA256.HashData(ReceiverHost.Key, (byte[])[.. Encoding.UTF8.GetBytes($"{id}.{t}."), .. body]);
        request.Headers.Add("webhook-signature", "v1," + Convert.ToBase64String(signature));
        return request;
    }

    /// <summary>GitHub: id and event in unsigned headers, the body alone signed.</summary>
    public static HttpRequestMessage GitHub(string? id, string? type, byte[] body)
    {
        var request = Post("github", body);
        Add(request, "X-GitHub-Delivery", id);
        Add(request, "X-GitHub-Event", type);
        request.Headers.Add("X-Hub-Signature-256", "sha256=" + Hex([], body));
        return request;
    }

    public static HttpRequestMessage Shopify(string? id, string? type, byte[] body)
    {
        var request = Post("shopify", body);
        Add(request, "X-Shopify-Webhook-Id", id);
        Add(request, "X-Shopify-Topic", type);
        request.Headers.Add("X-Shopify-Hmac-Sha256", Convert.ToBase64String(HMACSHA256.HashData(TextKey, body)));
        return request;
    }

    public static HttpRequestMessage Generic(string? id, string? type, byte[] body)
    {
        var request = Post("generic", body);
        Add(request, "X-Delivery", id);
        Add(request, "X-Event", type);
        request.Headers.Add("X-Signature", Hex([], body));
        return request;
    }

    private static HttpRequestMessage Post(string source, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return new HttpRequestMessage(HttpMethod.Post, $"/webhooks/{source}") { Content = content };
    }

    private static void Add(HttpRequestMessage request, string name, string? value)
    {
        if (value is not null)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
    }

    private static string Hex(byte[] prefix, byte[] body) => Convert.ToHexStringLower(HMACSHA256.HashData(TextKey, (byte[])[.. prefix, .. body]));
}
