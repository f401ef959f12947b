namespace Helix.Workflows;

/// <summary>How the runner works.</summary>
public sealed record RunnerOptions
{
    /// <summary>A run's lease, renewed every third of it while a worker runs the run. A worker gone for this long loses its runs.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Tasks of one step running at once.</summary>
    public int MaxParallelTasks { get; init; } = 16;

    /// <summary>This worker, in leases: unique per process.</summary>
    public string Owner { get; init; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
}
