using System.ComponentModel.DataAnnotations;

namespace Helix.Hosting;

/// <summary>
/// How a service leaves: first it reports not-ready and keeps serving for <see cref="DrainDelay"/>
/// so load balancers and Kubernetes endpoints stop sending new work, then in-flight work has
/// <see cref="Timeout"/> to finish before the process ends.
/// </summary>
public sealed record ShutdownOptions
{
    public const string Section = "Shutdown";

    /// <summary>Time between turning not-ready and refusing new connections.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan DrainDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Upper bound on the whole stop, drain delay included.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
}
