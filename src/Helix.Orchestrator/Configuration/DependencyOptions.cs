using System.ComponentModel.DataAnnotations;
using Helix.Hosting;

namespace Helix.Orchestrator.Configuration;

/// <summary>The model server: section <c>Ollama</c>.</summary>
internal sealed record OllamaOptions
{
    public const string Section = "Ollama";

    [Required]
    public Uri? Url { get; init; } = new("http://127.0.0.1:11434");

    /// <summary>The model a node gets unless it names one.</summary>
    [Required]
    public string Model { get; init; } = "llama3.2:3b";

    /// <summary>How long Ollama keeps the model loaded after a request (its <c>keep_alive</c>).</summary>
    [Required, RegularExpression(@"^-?\d+(ms|s|m|h)?$")]
    public string KeepAlive { get; init; } = "30m";

    /// <summary>One request, streaming included.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Answers are cached in Redis this long, keyed by model, messages and options (zero: no cache).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan CacheFor { get; init; } = TimeSpan.FromDays(1);
}

/// <summary>The browser farm: section <c>Steel</c>.</summary>
internal sealed record SteelOptions : IValidatableObject
{
    public const string Section = "Steel";

    /// <summary>Steel's API (sessions); its CDP endpoints come back with each session.</summary>
    [Required]
    public Uri? Url { get; init; } = new("http://127.0.0.1:3000");

    /// <summary>Reference to Steel's API key, when it asks for one.</summary>
    public string? ApiKey { get; init; }

    /// <summary>A proxy the sessions browse through (the egress gateway covers Steel's pods; this is for partner-specific proxies).</summary>
    public Uri? Proxy { get; init; }

    /// <summary>A session lives at most this long (Steel releases it then, even if we cannot).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Page results are cached in Redis this long (zero: no cache).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan CacheFor { get; init; } = TimeSpan.FromHours(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ApiKey is not null && SecretReference.CheckForm(ApiKey) is { } problem)
        {
            yield return new ValidationResult(problem, [nameof(ApiKey)]);
        }
    }
}

/// <summary>The cache: section <c>Redis</c>.</summary>
internal sealed record RedisOptions : IValidatableObject
{
    public const string Section = "Redis";

    /// <summary>StackExchange.Redis configuration without the password, such as <c>redis-haproxy.redis:6379</c>.</summary>
    [Required]
    public string Configuration { get; init; } = "127.0.0.1:6379";

    /// <summary>Reference to the password.</summary>
    public string? Password { get; init; }

    /// <summary>Every key starts with this.</summary>
    [Required]
    public string KeyPrefix { get; init; } = "helix:orchestrator:";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Password is not null && SecretReference.CheckForm(Password) is { } problem)
        {
            yield return new ValidationResult(problem, [nameof(Password)]);
        }
    }
}

/// <summary>Partner APIs: section <c>Http</c>.</summary>
internal sealed record PartnerHttpOptions
{
    public const string Section = "Http";

    /// <summary>The egress proxy partner calls go through, when there is one.</summary>
    public Uri? Proxy { get; init; }

    /// <summary>One attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>All attempts together.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromSeconds(60);

    [Range(0, 10)]
    public int Retries { get; init; } = 3;
}
