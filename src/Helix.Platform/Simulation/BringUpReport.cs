using Helix.Platform.Verification;

namespace Helix.Platform.Simulation;

/// <summary>One object as the simulated sync met it: what it waited for (and who provided that), and what stopped it.</summary>
/// <param name="Resource"><c>Kind/namespace/name</c>.</param>
/// <param name="Source">The tree file or chart release it comes from.</param>
/// <param name="WaitsFor">What had to exist first, each with what provides it.</param>
/// <param name="Findings">What the cluster would refuse, or what keeps it from running.</param>
public sealed record SimulatedObject(string Resource, string Source, IReadOnlyList<string> WaitsFor, IReadOnlyList<Finding> Findings);

/// <summary>One Application's simulated sync.</summary>
/// <param name="Name">The Application.</param>
/// <param name="ByHand">Installed by hand in the runbook before Argo CD (and adopted at its wave).</param>
/// <param name="Wave">Its sync wave in the root app-of-apps.</param>
/// <param name="Project">Its AppProject.</param>
/// <param name="Namespace">Its destination namespace.</param>
/// <param name="Objects">Its objects in apply order.</param>
/// <param name="Blocker">The first finding that keeps it from Healthy; null when it comes up.</param>
public sealed record SimulatedApplication(string Name, bool ByHand, int Wave, string Project, string Namespace, IReadOnlyList<SimulatedObject> Objects, Finding? Blocker)
{
    public bool Healthy => Blocker is null;

    public IEnumerable<Finding> Findings => Objects.SelectMany(o => o.Findings);
}

/// <summary>The simulated bring-up: the hand installs, then the root app-of-apps wave by wave.</summary>
public sealed record BringUpReport(IReadOnlyList<SimulatedApplication> Applications, IReadOnlyList<Finding> Warnings)
{
    public IEnumerable<Finding> Findings => Applications.SelectMany(a => a.Findings).Concat(Warnings);

    /// <summary>The first Application that does not come up: every later wave waits for it.</summary>
    public SimulatedApplication? FirstBlocked => Applications.FirstOrDefault(a => !a.Healthy);

    public bool CameUp => FirstBlocked is null;
}
