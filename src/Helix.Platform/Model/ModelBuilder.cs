using Helix.Platform.Spec;

namespace Helix.Platform.Model;

/// <summary>Resolves a loaded spec and its components' declarations into the <see cref="PlatformModel"/>.</summary>
internal static class ModelBuilder
{
    /// <summary>The seed's "Installation order (high level)", verbatim in meaning.</summary>
    private static readonly (int Number, string Title, Owner Owner)[] StepTitles =
    [
        (1, "Terraform: network, LB, DNS, IAM, S3, KMS, NetBird management, Talos cluster", Owner.Terraform),
        (2, "Cluster bootstrap: Cilium, Longhorn, CNPG, Redis, NATS", Owner.GitOps),
        (3, "Traefik, cert-manager and the Authentik outpost", Owner.GitOps),
        (4, "ArgoCD install and GitOps bootstrap", Owner.GitOps),
        (5, "Devtron install, wired to the external CNPG, Redis and NATS", Owner.GitOps),
        (6, "Observability: Prometheus, Grafana, Loki", Owner.GitOps),
        (7, "Kyverno policies, audit then enforce", Owner.GitOps),
        (8, "App onboarding: the platform's apps and customer tenants", Owner.GitOps),
        (9, "Final ingress exposure and SSO enforcement", Owner.GitOps),
    ];

    /// <summary>What Terraform owns (the seed's ownership boundaries).</summary>
    private static readonly IReadOnlyList<string> TerraformResources =
        ["network", "load-balancer", "nat-floating-ips", "dns", "netbird-management", "netbird-policies", "iam-oidc-role", "workload-identity", "state-bucket", "kms-key",
            "talos-cluster"];

    /// <summary>The part that scrapes every declared metrics port, and the one that serves every route.</summary>
    public const string Scraper = "monitoring";
    public const string RouteServer = "traefik";

    public static PlatformModel Build(PlatformSpec spec, IReadOnlyList<ComponentDeclaration> declarations)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(declarations);
        var parts = declarations
            .SelectMany(d => d.Parts.Select(p => p with { Application = d.Name, Step = d.Step }))
            .ToList();
        var steps = StepTitles.Select(s => new InstallStep(s.Number, s.Title, s.Owner,
            s.Owner == Owner.Terraform ? TerraformResources : parts.Where(c => c.Step == s.Number).Select(c => c.Name).ToList())).ToList();
        var targets = declarations.SelectMany(d => d.RouteTargets).ToDictionary(t => t.Name, StringComparer.Ordinal);
        var routes = spec.Routes.Select(r => new ResolvedRoute(r,
            spec.Domains.Where(d => r.Host == d.Name || r.Host.EndsWith("." + d.Name, StringComparison.Ordinal)).OrderByDescending(d => d.Name.Length).First(),
            targets.TryGetValue(r.To, out var target) ? target : throw new InvalidOperationException($"route {r.Host}: no component serves '{r.To}'")))
            .ToList();

        var chartHosts = declarations.SelectMany(d => d.Charts).Select(c => new Uri(c.Repo).Host).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (chartHosts.Any(h => h.EndsWith(".github.io", StringComparison.Ordinal)))
        {
            // A chart index on GitHub Pages points at release downloads, which redirect to GitHub's asset hosts.
            chartHosts.AddRange(GitHubReleaseHosts);
        }
        var peerFlows = declarations.SelectMany(d => d.PeerFlows)
            .Select(p => p.WithChartRepositories ? p with { Fqdns = [.. p.Fqdns.Concat(chartHosts).Distinct(StringComparer.Ordinal)] } : p)
            .ToList();
        return new PlatformModel(spec, declarations, parts, steps, Flows(declarations, routes), peerFlows,
            TerraformResources, Applications(declarations, parts), routes);
    }

    private static readonly string[] GitHubReleaseHosts = ["github.com", "objects.githubusercontent.com", "release-assets.githubusercontent.com"];

    private static List<GitOpsApp> Applications(IReadOnlyList<ComponentDeclaration> declarations, List<Part> parts)
    {
        var applicationOf = parts.ToDictionary(c => c.Name, c => c.Application, StringComparer.Ordinal);
        // An Application waits for its parts' dependencies and for whoever installs the CRDs it uses.
        var installerOf = declarations.SelectMany(d => d.CrdsInstalled.Select(crd => (crd, d.Name))).ToDictionary(x => x.crd, x => x.Name);
        var dependsOn = declarations.ToDictionary(d => d.Name, d => d.Parts.SelectMany(p => p.DependsOn).Select(p => applicationOf[p])
            .Concat(d.CrdsUsed.Select(crd => installerOf.GetValueOrDefault(crd)).OfType<string>())
            .Where(a => a != d.Name)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var waves = new Dictionary<string, int>(StringComparer.Ordinal);
        int Wave(ComponentDeclaration declaration)
        {
            if (waves.TryGetValue(declaration.Name, out var known))
            {
                return known;
            }
            var wave = dependsOn[declaration.Name].Select(d => Wave(declarations.First(x => x.Name == d)) + 1).Append(declaration.Step * 10).Max();
            waves[declaration.Name] = wave;
            return wave;
        }
        return declarations
            .Select(d => new GitOpsApp(d.Name, Folder(d), d.Kind == ApplicationKind.Service ? "apps" : "platform", d.Namespace,
                d.Step, Wave(d), dependsOn[d.Name], d.Parts.Select(p => p.Name).ToList()))
            .OrderBy(a => a.Wave).ThenBy(a => a.Name, StringComparer.Ordinal)
            .ToList();
    }

    private static string Folder(ComponentDeclaration declaration) => declaration.Kind switch
    {
        ApplicationKind.Service => $"apps/{declaration.Name}",
        ApplicationKind.Tenant => $"tenants/{declaration.Parts[0].Name}",
        _ => $"platform/{declaration.Name}",
    };

    /// <summary>
    /// The intended flow matrix: what the components declare, Prometheus to every metrics port, and
    /// Traefik to every route's target.
    /// </summary>
    private static List<Flow> Flows(IReadOnlyList<ComponentDeclaration> declarations, List<ResolvedRoute> routes)
    {
        var flows = declarations.SelectMany(d => d.Flows).ToList();
        flows.AddRange(declarations.SelectMany(d => d.Metrics).Select(m => new Flow(Scraper, m.Part, m.Port, "metrics")));
        flows.AddRange(routes.Select(r => new Flow(RouteServer, r.Target.Part, r.Target.PodPort, $"route {r.Route.Host}{r.Route.Path}")));
        return flows.Distinct().OrderBy(f => f.From, StringComparer.Ordinal).ThenBy(f => f.To, StringComparer.Ordinal).ThenBy(f => f.Port).ToList();
    }
}
