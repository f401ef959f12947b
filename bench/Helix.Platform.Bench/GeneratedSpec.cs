using Helix.Platform.Spec;

namespace Helix.Platform.Bench;

/// <summary>The reference spec of the repository the benchmark runs in, plus N generated tenants (each with a flow to the pooler, and Redis when asked).</summary>
internal static class GeneratedSpec
{
    public static PlatformSpec WithTenants(int tenants, bool redis = false)
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Helix.slnx")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("run from the repository");
        }
        var spec = SpecLoader.Load(Path.Combine(root, "platform", "helix.yaml")).Spec!;
        return spec with
        {
            Tenants = [.. spec.Tenants, .. Enumerable.Range(1, tenants).Select(i => new TenantSpec
            {
                Name = $"t{i:D4}",
                Team = $"team-{i:D4}",
                Flows = redis
                    ? [new FlowSpec { To = "postgres-pooler", Port = 5432 }, new FlowSpec { To = "redis", Port = 6379 }]
                    : [new FlowSpec { To = "postgres-pooler", Port = 5432 }],
            })],
        };
    }
}
