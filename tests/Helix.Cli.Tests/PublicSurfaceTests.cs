using Helix.Platform;

namespace Helix.Cli.Tests;

/// <summary>
/// The compiler's public face, as the CLI (its one consumer outside the tests) sees it: the facade, what it
/// takes and returns, and the spec's load and edit helpers. Everything else in Helix.Platform is internal;
/// a type made public goes on this list on purpose, or not at all.
/// </summary>
public sealed class PublicSurfaceTests
{
    private static readonly string[] Expected =
    [
        "Charts.ChartCache", "Charts.ChartRelease", "Charts.ChartReport", "Charts.ChartResult",
        "Docs.CostAnalysis", "Docs.CostLine", "Docs.CostReport", "Docs.StorageFit", "Docs.TenantScale",
        "Model.ChartPin", "Model.GitOpsApp", "Model.InstallStep", "Model.KeyOrigin", "Model.KeySource", "Model.Owner", "Model.PlatformModel",
        "Model.SecretCreator", "Model.SecretNeed",
        "Output.FileChange", "Output.FileChangeKind", "Output.FileSet",
        "PlatformCompiler", "VerificationResult",
        "Simulation.BringUpReport", "Simulation.SimulatedApplication", "Simulation.SimulatedObject",
        "Spec.FlowSpec", "Spec.QuotaSpec", "Spec.SourceMark", "Spec.SpecEditor", "Spec.SpecError", "Spec.SpecLoadResult", "Spec.SpecLoader",
        "Spec.SpecMarks", "Spec.SpecSchema", "Spec.TenantSpec",
        "Verification.Connection", "Verification.Finding", "Verification.PortSet", "Verification.ReachabilityReport", "Verification.Severity",
        "Verification.TreeVerifier", "Verification.TreeVerifier+TreeReport", "Verification.Workload", "Verification.WorldEgress",
    ];

    [Fact]
    public void HelixPlatform_ExportsItsFacadeAndWhatItTakesAndReturns_Only()
    {
        var exported = typeof(PlatformCompiler).Assembly.GetExportedTypes()
            .Select(t => t.FullName!["Helix.Platform.".Length..])
            .Order(StringComparer.Ordinal);
        Assert.Equal(Expected.Order(StringComparer.Ordinal), exported);
    }
}
