using System.Collections.Frozen;
using System.Threading.RateLimiting;
using Helix.Events;
using Helix.Hosting;
using Helix.Webhooks.Configuration;
using Helix.Webhooks.Schemes;
using Microsoft.Extensions.Options;

namespace Helix.Webhooks;

/// <summary>A configured source, ready to serve: scheme, decoded keys, subject, limits.</summary>
internal sealed class WebhookSource(string name, SourceOptions options, IWebhookScheme scheme, IReadOnlyList<byte[]> keys, string subject, int inlineBodyLimit) : IDisposable
{
    /// <summary>Bodies larger than this go to the bodies bucket and travel by reference.</summary>
    public int InlineBodyLimit { get; } = inlineBodyLimit;

    public string Name { get; } = name;

    public SourceOptions Options { get; } = options;

    public IWebhookScheme Scheme { get; } = scheme;

    public IReadOnlyList<byte[]> Keys { get; } = keys;

    public string Subject { get; } = subject;

    public IReadOnlyList<string> ContentTypes { get; } = options.ContentTypes ?? scheme.ContentTypes;

    public IReadOnlyList<string> ForwardedHeaders { get; } = [.. scheme.ForwardedHeaders, .. options.ForwardHeaders];

    public RateLimiter RateLimiter { get; } = CreateLimiter(options.RateLimit);

    // Refilled in small steps so a sustained rate is smooth rather than a burst each second:
    // one token every 1/rate s up to 100/s, above that rate/100 tokens every 10 ms.
    private static TokenBucketRateLimiter CreateLimiter(RateLimitOptions limit)
    {
        var (tokens, period) = limit.PermitsPerSecond <= 100
            ? (1, TimeSpan.FromSeconds(1.0 / limit.PermitsPerSecond))
            : ((int)Math.Round(limit.PermitsPerSecond / 100.0), TimeSpan.FromMilliseconds(10));
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.Burst,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    public void Dispose() => RateLimiter.Dispose();
}

/// <summary>All sources, built once at start-up from validated options.</summary>
internal sealed class WebhookSources : IDisposable
{
    private readonly FrozenDictionary<string, WebhookSource> _sources;

    public WebhookSources(IOptions<ReceiverOptions> receiver, IOptions<EventStreamOptions> events)
    {
        var sources = new Dictionary<string, WebhookSource>(StringComparer.Ordinal);
        foreach (var (name, options) in receiver.Value.Sources)
        {
            var scheme = CreateScheme(options);
            var keys = new List<byte[]>();
            for (var i = 0; i < options.Secrets.Count; i++)
            {
                try
                {
                    keys.Add(scheme.DecodeSecret(SecretReference.Resolve(options.Secrets[i])));
                }
                catch (Exception e) when (e is FormatException or InvalidOperationException)
                {
                    // An unreadable reference or an undecodable secret; the message names the reference, never the value.
                    throw new OptionsValidationException(ReceiverOptions.Section, typeof(ReceiverOptions),
                        [$"Configuration key '{ReceiverOptions.Section}:Sources:{name}:Secrets:{i}': {e.Message}"]);
                }
            }
            var subject = EventSubjects.Source(events.Value, name);
            sources[name] = new WebhookSource(name, options, scheme, keys, subject, events.Value.InlineBodyLimit);
        }
        _sources = sources.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public WebhookSource? Find(string name) => _sources.GetValueOrDefault(name);

    public IEnumerable<WebhookSource> All => _sources.Values;

    /// <summary>The longest replay window of any source, or null when no source has a replay guard.</summary>
    public TimeSpan? LongestReplayWindow => _sources.Values.Max(source => source.Options.ReplayWindow);

    private static IWebhookScheme CreateScheme(SourceOptions options) => options.Scheme switch
    {
        SchemeKind.StandardWebhooks => new StandardWebhooksScheme(),
        SchemeKind.GitHub => new GitHubScheme(),
        SchemeKind.Stripe => new StripeScheme(),
        SchemeKind.Slack => new SlackScheme(),
        SchemeKind.Shopify => new ShopifyScheme(),
        SchemeKind.Generic => new GenericHmacScheme(options.Generic!),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Scheme, "unknown scheme"),
    };

    public void Dispose()
    {
        foreach (var source in _sources.Values)
        {
            source.Dispose();
        }
    }
}
