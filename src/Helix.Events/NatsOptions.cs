using System.ComponentModel.DataAnnotations;

using NATS.Client.Core;

namespace Helix.Events;

/// <summary>Section <c>Nats</c>: where the broker is.</summary>
public sealed record NatsOptions : IValidatableObject
{
    public const string Section = "Nats";

    private static readonly string[] Schemes = ["nats", "tls", "ws", "wss"];

    /// <summary>One server URL, or several separated by commas (a cluster's seed list).</summary>
    [Required]
    public string Url { get; init; } = "nats://127.0.0.1:4222";

    /// <summary>Optional credentials file (NATS decentralised auth), referenced by path.</summary>
    public string? CredentialsFile { get; init; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var server in Url.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || !Schemes.Contains(uri.Scheme))
            {
                yield return new ValidationResult($"'{server}' is not a NATS server URL such as nats://nats.helix-system:4222", [nameof(Url)]);
            }
        }
    }
}

/// <summary>The NATS connection every Helix service opens: named, reconnecting for ever with a short backoff.</summary>
public static class NatsConnections
{
    public static NatsConnection Create(NatsOptions options, string name)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new NatsConnection(new NatsOpts
        {
            Url = options.Url,
            Name = name,
            AuthOpts = options.CredentialsFile is null ? NatsAuthOpts.Default : NatsAuthOpts.Default with { CredsFile = options.CredentialsFile },
            ConnectTimeout = TimeSpan.FromSeconds(5),
            MaxReconnectRetry = -1,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(200),
            ReconnectWaitMax = TimeSpan.FromSeconds(2),
        });
    }
}
