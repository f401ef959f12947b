using Helix.Platform.Charts;
using Helix.Platform.Components;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Rendering;
using Helix.Platform.Simulation;
using Helix.Platform.Verification;

namespace Helix.Platform;

/// <summary>What one verification saw: every finding, every object read, and the reachability matrix.</summary>
public sealed record VerificationResult(IReadOnlyList<Finding> Findings, TreeVerifier.TreeReport Tree, ReachabilityReport? Reachability)
{
    public bool Passed => Findings.All(f => f.Severity != Severity.Error);
}

/// <summary>
/// The compiler's one entry point, used by the CLI, the tests and the benchmarks:
/// spec -> model (from the components' declarations) -> files -> verification.
/// </summary>
public static class PlatformCompiler
{
    /// <summary>Where the zero-trust picture (drawn from the rendered policies) is written.</summary>
    public const string ZeroTrustPicture = "docs/architecture/zero-trust.svg";

    /// <summary>Folders a render owns completely: files there that the render no longer produces are removed.</summary>
    public static IReadOnlyList<string> OwnedFolders => PlatformRenderer.OwnedFolders;

    /// <summary>The model of a spec that loaded without errors, built from what each of its components declares.</summary>
    public static PlatformModel Model(Spec.SpecLoadResult loaded)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        return loaded.Succeeded
            ? Model(loaded.Spec!)
            : throw new InvalidOperationException($"the spec did not load ({loaded.Errors.Count} error(s)): report its errors instead of building a model");
    }

    internal static PlatformModel Model(Spec.PlatformSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return ModelBuilder.Build(spec, [.. ComponentRegistry.For(spec).Select(c => c.Declare(spec))]);
    }

    /// <summary>Every file the spec renders into (the zero-trust picture is added by <see cref="RenderAndVerify"/>).</summary>
    public static FileSet Render(PlatformModel model) => PlatformRenderer.Render(model);

    /// <summary>Renders, verifies the render as a cluster would get it (GitOps tree and infra), and adds the zero-trust picture.</summary>
    public static (FileSet Files, VerificationResult Verification) RenderAndVerify(PlatformModel model)
    {
        var files = Render(model);
        var verification = Verify(files, model);
        files.AddGenerated(ZeroTrustPicture, MatrixView.Svg(Reachability(verification, model)));
        return (files, verification);
    }

    /// <summary>Verifies a render not yet written: the same rules as a tree on disk.</summary>
    public static VerificationResult Verify(FileSet files, PlatformModel model)
    {
        ArgumentNullException.ThrowIfNull(files);
        var tree = TreeVerifier.Analyse(files, model);
        var infra = InfraVerifier.Verify([.. files.Paths.Where(IsInfra)], files.Text, model);
        return new VerificationResult([.. tree.Findings, .. infra], tree, tree.Reachability);
    }

    /// <summary>
    /// Verifies a tree on disk as ArgoCD and Terraform would take it, hand edits included: a repository
    /// root (its <c>gitops/</c> and <c>infra/</c>), or a GitOps folder (and the <c>infra/</c> beside it,
    /// when there is one). Without a model, only the rules that need no statement of intent run.
    /// </summary>
    public static VerificationResult Verify(string root, PlatformModel? model)
    {
        ArgumentNullException.ThrowIfNull(root);
        var repository = Directory.Exists(Path.Combine(root, GitOpsRenderer.Root)) ? root : Path.GetDirectoryName(Path.GetFullPath(root))!;
        var gitops = repository == root ? Path.Combine(root, GitOpsRenderer.Root) : root;
        var tree = TreeVerifier.Analyse(TreeVerifier.Files(gitops), file => new StreamReader(Path.Combine(gitops, file)), model);
        var infraFiles = new[] { "infra", Verification.DeliveryRules.Folder }.Select(f => Path.Combine(repository, f)).Where(Directory.Exists)
            .SelectMany(f => Directory.EnumerateFiles(f, "*", SearchOption.AllDirectories))
            .Select(f => Path.GetRelativePath(repository, f).Replace('\\', '/')).Where(IsInfra).Order(StringComparer.Ordinal).ToList();
        string Read(string path) => File.ReadAllText(Path.Combine(repository, path));
        var infra = model is null ? InfraVerifier.Verify(infraFiles, Read) : InfraVerifier.Verify(infraFiles, Read, model);
        return new VerificationResult([.. tree.Findings, .. infra], tree, tree.Reachability);
    }

    /// <summary>
    /// Renders every chart the tree's Applications install with real Helm and checks values, output
    /// and install order (see <see cref="ChartVerifier"/>). The Kubernetes version is the spec's when a
    /// model is given.
    /// </summary>
    public static ChartReport VerifyCharts(TreeVerifier.TreeReport tree, PlatformModel? model, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(tree);
        var kubeVersion = model?.Spec.Cluster.KubernetesVersion.TrimStart('v') ?? DefaultKubeVersion;
        var report = ChartVerifier.Verify(tree.Objects, ChartSettings.FromEnvironment(kubeVersion, environment), environment);
        if (model is null || report.Error is not null)
        {
            return report;
        }
        // The images the charts run come under the same supply-chain rules as the tree's own workloads;
        // the pod labels the network policies are written for must be on the pods the charts run, and
        // the ports routes and scrapes go to on them. An Application's port checks see all its charts.
        var first = report.Charts.GroupBy(c => c.Release.Application).ToDictionary(g => g.Key, g => g.First());
        return report with
        {
            Charts = [.. report.Charts.Select(chart => chart with
            {
                Findings =
                [
                    .. chart.Findings,
                    .. SupplyChain.VerifyWorkloads(tree.Objects, [.. chart.Objects.Select(o => (chart.Source, o))], model),
                    .. PromiseRules.Objects(chart.Source, chart.Objects, chart.Release.Namespace, model),
                    .. ChartVerifier.PodLabels(chart, model.Parts.Where(p => p.Application == chart.Release.Application && p.Namespace == chart.Release.Namespace)),
                    .. first[chart.Release.Application] == chart && model.Declarations.FirstOrDefault(d => d.Name == chart.Release.Application) is { } declaration
                        ? ChartVerifier.Ports(chart,
                            [.. report.Charts.Where(c => c.Release.Application == chart.Release.Application).SelectMany(c => c.Objects), .. tree.Objects.Select(o => o.Object)], declaration)
                        : [],
                ],
            })],
        };
    }

    /// <summary>
    /// Simulates the bring-up of a verified tree with its charts' output (see <see cref="BringUpSimulator"/>):
    /// the runbook's hand installs, then every wave of the root app-of-apps.
    /// </summary>
    public static BringUpReport BringUp(TreeVerifier.TreeReport tree, ChartReport charts, PlatformModel model)
    {
        ArgumentNullException.ThrowIfNull(tree);
        return BringUpSimulator.Simulate(tree.Objects, charts, model, Infra.BringUp.ByHand);
    }

    /// <summary>Every chart the model pins, with its folder in the chart cache (null when the cache does not have it).</summary>
    public static IReadOnlyList<(ChartPin Pin, string? Folder)> ChartPins(PlatformModel model, ChartCache cache)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cache);
        return [.. model.Declarations.SelectMany(d => d.Charts).Distinct().OrderBy(p => p.Chart, StringComparer.Ordinal).Select(pin => (pin, cache.Find(pin)))];
    }

    /// <summary>Fetches a pinned chart into the cache with Helm (online); null on success, else why not.</summary>
    public static string? PullChart(ChartPin pin, ChartCache cache, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(cache);
        try
        {
            return Helm.Locate(environment).Pull(pin, cache.FolderOf(pin));
        }
        catch (ChartToolException e)
        {
            return e.Message;
        }
    }

    /// <summary>The architecture diagram (Mermaid) of the model.</summary>
    public static string Diagram(PlatformModel model) => MermaidGraph.Render(model);

    /// <summary>The script that makes every Secret the operator writes, SOPS-encrypted (see <c>helix secrets --script</c>).</summary>
    public static string SecretsScript(PlatformModel model) => Infra.SecretsScript.Render(model);

    /// <summary>Shared values whose source is no Secret the platform has: the script would have nothing to copy.</summary>
    public static IReadOnlyList<string> UnresolvedSecrets(PlatformModel model) => Infra.SecretsScript.Unresolved(model);

    /// <summary>The reachability matrix of a verified tree (computed when the verification had no spec to compare with).</summary>
    public static ReachabilityReport Reachability(VerificationResult verification, PlatformModel model)
    {
        ArgumentNullException.ThrowIfNull(verification);
        return verification.Reachability ?? Verification.Reachability.Analyse(verification.Tree.Objects, model);
    }

    /// <summary>The matrix as a text table, zone by zone.</summary>
    public static string MatrixTable(ReachabilityReport report) => MatrixView.Table(report);

    /// <summary>The matrix as the zero-trust picture.</summary>
    public static string MatrixSvg(ReachabilityReport report) => MatrixView.Svg(report);

    /// <summary>The Kubernetes version charts are rendered for when no spec says which.</summary>
    public const string DefaultKubeVersion = "1.35.0";

    /// <summary>What Terraform applies, and the workflows that apply it.</summary>
    private static bool IsInfra(string path) =>
        path.StartsWith("infra/", StringComparison.Ordinal) || (path.StartsWith(Verification.DeliveryRules.Folder, StringComparison.Ordinal) && path.EndsWith(".yml", StringComparison.Ordinal));
}
