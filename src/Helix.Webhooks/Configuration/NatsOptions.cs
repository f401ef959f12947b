using System.ComponentModel.DataAnnotations;

namespace Helix.Webhooks.Configuration;

/// <summary>Section <c>Nats</c>: where the broker is.</summary>
internal sealed record NatsOptions : IValidatableObject
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
