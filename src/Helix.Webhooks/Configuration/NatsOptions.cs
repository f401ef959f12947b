using System.ComponentModel.DataAnnotations;

namespace Helix.Webhooks.Configuration;

/// <summary>Section <c>Nats</c>: where the broker is.</summary>
internal sealed record NatsOptions
{
    public const string Section = "Nats";

    [Required, Url]
    public string Url { get; init; } = "nats://127.0.0.1:4222";

    /// <summary>Optional credentials file (NATS decentralised auth), referenced by path.</summary>
    public string? CredentialsFile { get; init; }
}
