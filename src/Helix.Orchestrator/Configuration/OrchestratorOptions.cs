using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace Helix.Orchestrator.Configuration;

/// <summary>The worker: section <c>Orchestrator</c>.</summary>
internal sealed partial record OrchestratorOptions : IValidatableObject
{
    public const string Section = "Orchestrator";

    /// <summary>Which workflow runs for which events; the first route that matches wins.</summary>
    [MinLength(1)]
    public List<EventRoute> Routes { get; init; } = [];

    /// <summary>The durable JetStream consumer's name (shared by every replica).</summary>
    [RegularExpression("^[A-Za-z0-9_-]+$")]
    public string Consumer { get; init; } = "orchestrator";

    /// <summary>Runs executing at once in this process (events, API starts and recovered runs together).</summary>
    [Range(1, 10_000)]
    public int Concurrency { get; init; } = 32;

    /// <summary>Deliveries of one event before it goes to the dead-letter subject with its reason.</summary>
    [Range(1, 100)]
    public int MaxDeliveries { get; init; } = 5;

    /// <summary>The wait before an event that failed is delivered again; doubled with each delivery, at most a minute.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RedeliveryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>JetStream's ack wait: a worker silent this long loses the event to another (long runs send progress).</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan AckWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Events that could not be handled land here, with the reason in headers.</summary>
    [Required, RegularExpression(@"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")]
    public string DeadLetterSubject { get; init; } = "helix.deadletter.orchestrator";

    /// <summary>A run's lease: a worker gone this long loses its runs to the others.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often runs left by a dead worker are looked for.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Finished runs are deleted with their checkpoints after this long.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(14);

    /// <summary>A full state is stored every this many steps; between them only each step's writes.</summary>
    [Range(1, 10_000)]
    public int CompactEvery { get; init; } = 50;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < Routes.Count; i++)
        {
            if (!Token().IsMatch(Routes[i].Source) || !TypePattern().IsMatch(Routes[i].EventType))
            {
                yield return new ValidationResult("a route's Source is a source name and its EventType an event type or *", [$"{nameof(Routes)}:{i}"]);
            }
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex Token();

    [GeneratedRegex(@"^(\*|[A-Za-z0-9_.-]+)$")]
    private static partial Regex TypePattern();
}

/// <summary>Events of <see cref="Source"/> (a receiver source) and <see cref="EventType"/> (<c>*</c> for any) start <see cref="Workflow"/>.</summary>
internal sealed record EventRoute
{
    [Required]
    public string Source { get; init; } = "";

    public string EventType { get; init; } = "*";

    [Required]
    public string Workflow { get; init; } = "";

    public bool Matches(string source, string eventType) => Source == source && (EventType == "*" || EventType == eventType);
}
