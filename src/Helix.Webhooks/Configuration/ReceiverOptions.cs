using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Helix.Hosting;

namespace Helix.Webhooks.Configuration;

/// <summary>The receiver's configuration: section <c>Receiver</c>.</summary>
internal sealed partial record ReceiverOptions : IValidatableObject
{
    public const string Section = "Receiver";

    /// <summary>Webhook sources by name; a provider posts to <c>/webhooks/{name}</c>.</summary>
    public Dictionary<string, SourceOptions> Sources { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The whole body must arrive within this time (slow uploads are cut off; Kestrel's minimum data rate applies too).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan BodyReadTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for JetStream's acknowledgement before answering 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan PublishTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The <c>Retry-After</c> of a 503 (broker down or stream full).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Key-value bucket that remembers signed bodies for sources with a <see cref="SourceOptions.ReplayWindow"/>.</summary>
    [Required, RegularExpression("^[A-Za-z0-9_-]+$")]
    public string ReplayBucket { get; init; } = "HELIX_WEBHOOK_REPLAY";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Sources.Count == 0)
        {
            yield return new ValidationResult("at least one source is required (Receiver:Sources:<name>:Scheme, ...)", [nameof(Sources)]);
        }
        foreach (var name in Sources.Keys)
        {
            if (!SourceName().IsMatch(name))
            {
                yield return new ValidationResult(
                    $"source name '{name}' must be lowercase letters, digits and dashes (it is a URL segment and a subject token)",
                    [$"{nameof(Sources)}:{name}"]);
            }
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex SourceName();
}

internal enum SchemeKind
{
    StandardWebhooks,
    GitHub,
    Stripe,
    Slack,
    Shopify,
    Generic,
}

internal enum SignatureEncoding
{
    Hex,
    Base64,
}

internal sealed record SourceOptions : IValidatableObject
{
    [Required]
    public SchemeKind? Scheme { get; init; }

    /// <summary>
    /// References to the signing secrets, newest first; several during a rotation. Each is
    /// <c>env:VARIABLE</c> or <c>file:/path</c> (a mounted Kubernetes Secret): never the secret itself.
    /// </summary>
    [MinLength(1)]
    public List<string> Secrets { get; init; } = [];

    /// <summary>Allowed clock skew of signed timestamps, both directions.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Tolerance { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Larger bodies are refused with 413 without being read.</summary>
    [Range(1, 64 << 20)]
    public int MaxBodyBytes { get; init; } = 1 << 20;

    /// <summary>Accepted media types; default: what the scheme's provider sends.</summary>
    public List<string>? ContentTypes { get; init; }

    /// <summary>Extra provider headers to carry with each event.</summary>
    public List<string> ForwardHeaders { get; init; } = [];

    public RateLimitOptions RateLimit { get; init; } = new();

    /// <summary>Settings of the <see cref="SchemeKind.Generic"/> scheme.</summary>
    public GenericSchemeOptions? Generic { get; init; }

    /// <summary>
    /// Replay guard for schemes that sign neither a delivery id nor a timestamp (GitHub, Shopify,
    /// Generic without a timestamp): a signed body seen under another delivery id within this window
    /// is refused (409). The trade-off: two genuine deliveries with byte-identical bodies within the
    /// window count as one. Off when unset.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan? ReplayWindow { get; init; }

    /// <summary>True when the scheme signs nothing that tells one delivery from a replay of it.</summary>
    public bool SignsNoDeliveryOrTime => Scheme is SchemeKind.GitHub or SchemeKind.Shopify
        || (Scheme == SchemeKind.Generic && Generic?.TimestampHeader is null);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Scheme == SchemeKind.Generic && Generic is null)
        {
            yield return new ValidationResult("the Generic scheme needs its settings (Generic:SignatureHeader, ...)", [nameof(Generic)]);
        }
        if (ReplayWindow is not null && !SignsNoDeliveryOrTime)
        {
            yield return new ValidationResult(
                "the replay guard is for schemes that sign no delivery id or timestamp (GitHub, Shopify, Generic without TimestampHeader); "
                + $"{Scheme} signs them, so replays are refused already: remove ReplayWindow",
                [nameof(ReplayWindow)]);
        }
        for (var i = 0; i < Secrets.Count; i++)
        {
            if (SecretReference.CheckForm(Secrets[i]) is { } problem)
            {
                yield return new ValidationResult(problem, [$"{nameof(Secrets)}:{i}"]);
            }
        }
    }
}

internal sealed record RateLimitOptions
{
    /// <summary>Sustained requests per second for one source.</summary>
    [Range(1, 1_000_000)]
    public int PermitsPerSecond { get; init; } = 1000;

    /// <summary>Requests allowed at once above the sustained rate.</summary>
    [Range(1, 1_000_000)]
    public int Burst { get; init; } = 2000;
}

internal sealed record GenericSchemeOptions
{
    [Required]
    public string SignatureHeader { get; init; } = "X-Signature";

    public SignatureEncoding Encoding { get; init; } = SignatureEncoding.Hex;

    /// <summary>Text before the encoded HMAC, such as <c>sha256=</c>.</summary>
    public string? SignaturePrefix { get; init; }

    /// <summary>When set, the signed bytes are <c>{timestamp}.{body}</c> and the tolerance applies.</summary>
    public string? TimestampHeader { get; init; }

    public string? DeliveryIdHeader { get; init; }

    public string? EventTypeHeader { get; init; }
}
