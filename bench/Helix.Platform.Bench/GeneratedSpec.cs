using Helix.Platform.Spec;

namespace Helix.Platform.Bench;

/// <summary>
/// The reference spec of the repository the benchmark runs in, plus N generated tenants (each with a
/// flow to the pooler, and Redis when asked), onboarded and loaded as `helix onboard` would.
/// </summary>
internal static class GeneratedSpec
{
    public static SpecLoadResult WithTenants(int tenants, bool redis = false)
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Helix.slnx")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("run from the repository");
        }
        var path = Path.Combine(root, "platform", "helix.yaml");
        var text = File.ReadAllText(path);
        for (var i = 1; i <= tenants; i++)
        {
            text = SpecEditor.AddTenant(text, new TenantSpec
            {
                Name = $"t{i:D4}",
                Team = $"team-{i:D4}",
                Flows = redis
                    ? [new FlowSpec { To = "postgres-pooler", Port = 5432 }, new FlowSpec { To = "redis", Port = 6379 }]
                    : [new FlowSpec { To = "postgres-pooler", Port = 5432 }],
            });
        }
        var loaded = SpecLoader.Parse(text, path);
        return loaded.Succeeded ? loaded : throw new InvalidOperationException($"the generated spec does not load: {loaded.Errors[0].Message}");
    }
}
