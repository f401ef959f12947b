using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Helix.Platform.Model;
using Helix.Platform.Rendering;
using Helix.Platform.Verification;

namespace Helix.Platform.Bench;

/// <summary>
/// The reachability matrix of the reference platform plus N generated tenants (each with flows to
/// the pooler and Redis): every (source, destination) pair of workloads against every rendered
/// policy. The policies are rendered and parsed in the setup; one operation is one analysis.
/// </summary>
[MemoryDiagnoser]
public class ReachabilityMatrix
{
    [Params(50, 200, 1000)]
    public int Tenants { get; set; }

    private PlatformModel _model = null!;
    private List<(string File, JsonElement Object)> _objects = [];

    [GlobalSetup]
    public void Setup()
    {
        var spec = GeneratedSpec.WithTenants(Tenants, redis: true);
        _model = PlatformCompiler.Model(spec);
        _objects = [.. TreeVerifier.Analyse(GitOpsRenderer.Render(_model), null).Objects];
        if (Reachability.Analyse(_objects, _model).Findings.Count > 0)
        {
            throw new InvalidOperationException("the generated platform does not verify clean: the benchmark would measure error reporting");
        }
    }

    [Benchmark]
    public int Analyse() => Reachability.Analyse(_objects, _model).Connections.Count;
}
