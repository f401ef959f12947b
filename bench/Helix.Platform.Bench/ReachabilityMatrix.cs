using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Helix.Platform.Model;
using Helix.Platform.Rendering;
using Helix.Platform.Spec;
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
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Helix.slnx")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("run from the repository");
        }
        var spec = SpecLoader.Load(Path.Combine(root, "platform", "helix.yaml")).Spec!;
        spec = spec with
        {
            Tenants = [.. spec.Tenants, .. Enumerable.Range(1, Tenants).Select(i => new TenantSpec
            {
                Name = $"t{i:D4}",
                Team = $"team-{i:D4}",
                Flows = [new FlowSpec { To = "postgres-pooler", Port = 5432 }, new FlowSpec { To = "redis", Port = 6379 }],
            })],
        };
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
