namespace Helix.Workflows;

public enum RunOutcomeKind
{
    Completed,
    Failed,
    Interrupted,
    Cancelled,

    /// <summary>The run was not taken: it ended already, is parked, or another worker holds it.</summary>
    NotClaimed,
}

/// <summary>
/// How a run stopped in this worker, and for a failed run the error it failed with (the one the
/// run's record keeps). Outcomes compare by kind, so <c>outcome == RunOutcome.Failed</c> reads as it says.
/// </summary>
public sealed record RunOutcome(RunOutcomeKind Kind, string? Error = null)
{
    public static readonly RunOutcome Completed = new(RunOutcomeKind.Completed);
    public static readonly RunOutcome Failed = new(RunOutcomeKind.Failed);
    public static readonly RunOutcome Interrupted = new(RunOutcomeKind.Interrupted);
    public static readonly RunOutcome Cancelled = new(RunOutcomeKind.Cancelled);
    public static readonly RunOutcome NotClaimed = new(RunOutcomeKind.NotClaimed);

    public static RunOutcome FailedWith(string error) => new(RunOutcomeKind.Failed, error);

    public bool Equals(RunOutcome? other) => other is not null && other.Kind == Kind;

    public override int GetHashCode() => (int)Kind;

    public override string ToString() => Kind.ToString();
}
