using BenchmarkDotNet.Attributes;
using Helix.Platform.Charts;
using Helix.Platform.Model;
using Helix.Platform.Verification;

namespace Helix.Platform.Bench;

/// <summary>
/// The bring-up simulation of the reference platform plus N generated tenants, over the tree and the
/// sixteen chart releases' real output (Helm v4 and the charts from HELIX_HELM and HELIX_CHARTS,
/// rendered in the setup). One operation is one simulation: the hand installs, then every wave.
/// </summary>
[MemoryDiagnoser]
public class BringUpSimulation
{
    [Params(0, 50, 200, 1000)]
    public int Tenants { get; set; }

    private PlatformModel _model = null!;
    private TreeVerifier.TreeReport _tree = null!;
    private ChartReport _charts = null!;

    [GlobalSetup]
    public void Setup()
    {
        var spec = GeneratedSpec.WithTenants(Tenants);
        _model = PlatformCompiler.Model(spec);
        _tree = PlatformCompiler.RenderAndVerify(_model).Verification.Tree;
        _charts = PlatformCompiler.VerifyCharts(_tree, _model, Environment.GetEnvironmentVariable);
        if (_charts.Error is { } error)
        {
            throw new InvalidOperationException($"charts: {error} (eval \"$(scripts/tools.sh env)\" and HELIX_CHARTS=../shared/charts)");
        }
        if (!PlatformCompiler.BringUp(_tree, _charts, _model).CameUp)
        {
            throw new InvalidOperationException("the generated platform does not come up: the benchmark would measure error reporting");
        }
    }

    [Benchmark]
    public int Simulate() => PlatformCompiler.BringUp(_tree, _charts, _model).Applications.Count;
}
