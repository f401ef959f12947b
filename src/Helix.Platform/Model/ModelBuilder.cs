using Helix.Platform.Spec;

namespace Helix.Platform.Model;

/// <summary>Resolves a loaded spec into the <see cref="PlatformModel"/>.</summary>
public static class ModelBuilder
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

    public static PlatformModel Build(PlatformSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var components = new List<Component>
        {
            new("cilium", "kube-system", "platform", Owner.GitOps, 2, []),
            // Default deny and the flow matrix, in force from the first wave after Cilium.
            new("network-policies", "kube-system", "platform", Owner.GitOps, 2, ["cilium"]),
            new("longhorn", "longhorn-system", "platform", Owner.GitOps, 2, ["cilium"]),
            new("cnpg", "cnpg-system", "platform", Owner.GitOps, 2, ["longhorn", "cert-manager"]),
            new("postgres", "postgres", "db", Owner.GitOps, 2, ["cnpg"])
            {
                Application = "cnpg",
                PodLabels = new Dictionary<string, string>(StringComparer.Ordinal) { ["cnpg.io/cluster"] = "postgres", ["cnpg.io/podRole"] = "instance" },
            },
            new("postgres-pooler", "postgres", "db", Owner.GitOps, 2, ["postgres"])
            {
                Application = "cnpg",
                PodLabels = new Dictionary<string, string>(StringComparer.Ordinal) { ["cnpg.io/poolerName"] = "postgres-pooler" },
            },
            new("redis", "redis", "db", Owner.GitOps, 2, ["longhorn"]),
            new("nats", spec.Nats.Namespace, "platform", Owner.GitOps, 2, ["longhorn"]),
            new("cert-manager", "cert-manager", "platform", Owner.GitOps, 3, ["cilium"]),
            new("traefik", "traefik", "platform", Owner.GitOps, 3, ["cert-manager"]),
            new("authentik", "authentik", "platform", Owner.GitOps, 3, ["postgres-pooler", "redis", "traefik"]),
            new("argocd", "argocd", "platform", Owner.GitOps, 4, ["cilium"]),
            new("devtron", "devtroncd", "platform", Owner.GitOps, 5, ["argocd", "postgres-pooler", "redis", "nats"]),
            new("monitoring", "monitoring", "platform", Owner.GitOps, 6, ["longhorn"]) { Application = "observability" },
            new("loki", "monitoring", "platform", Owner.GitOps, 6, ["monitoring"]) { Application = "observability" },
            new("kyverno", "kyverno", "platform", Owner.GitOps, 7, ["monitoring"]) { Application = "policies" },
        };

        foreach (var app in spec.Apps)
        {
            components.Add(new(app.Name, app.Namespace, "app", Owner.GitOps, 8, AppDependencies(app.Kind))
            {
                PodLabels = new Dictionary<string, string>(StringComparer.Ordinal) { ["app.kubernetes.io/name"] = app.Name },
            });
        }
        foreach (var tenant in spec.Tenants)
        {
            // Devtron owns what runs inside a tenant; the namespace, quota and policies are GitOps'.
            components.Add(new(tenant.Name, tenant.Name, tenant.Zone, Owner.Devtron, 8, ["kyverno", "devtron"]) { Application = TenantApplication(tenant.Name) });
        }
        components.Add(new("ingress", "traefik", "platform", Owner.GitOps, 9,
            ["traefik", "authentik", .. spec.Apps.Select(a => a.Name)]));

        var steps = StepTitles.Select(s => new InstallStep(s.Number, s.Title, s.Owner,
            s.Owner == Owner.Terraform ? TerraformResources : components.Where(c => c.Step == s.Number).Select(c => c.Name).ToList())).ToList();

        return new PlatformModel(spec, components, steps, Flows(spec), TerraformResources, Applications(spec, components))
        {
            PeerFlows = PeerFlows(spec),
        };
    }

    /// <summary>The Application of a tenant's namespace, quota and policies.</summary>
    public static string TenantApplication(string tenant) => $"tenant-{tenant}";

    private static List<GitOpsApp> Applications(PlatformSpec spec, List<Component> components)
    {
        var applicationOf = components.ToDictionary(c => c.Name, c => c.Application, StringComparer.Ordinal);
        var groups = components.GroupBy(c => c.Application, StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Step: g.Min(c => c.Step), Members: g.ToList(),
                DependsOn: g.SelectMany(c => c.DependsOn).Select(d => applicationOf[d]).Where(d => d != g.Key)
                    .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList()))
            .ToList();
        var waves = new Dictionary<string, int>(StringComparer.Ordinal);
        int Wave(string name)
        {
            if (waves.TryGetValue(name, out var known))
            {
                return known;
            }
            var group = groups.First(g => g.Name == name);
            var wave = group.DependsOn.Select(d => Wave(d) + 1).Append(group.Step * 10).Max();
            waves[name] = wave;
            return wave;
        }
        return groups
            .Select(g => new GitOpsApp(g.Name, FolderOf(spec, g.Members[0]), g.Members[0].Owner == Owner.Devtron ? "platform" : ProjectOf(spec, g.Name),
                g.Step, Wave(g.Name), g.DependsOn, g.Members.Select(m => m.Name).ToList()))
            .OrderBy(a => a.Wave).ThenBy(a => a.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Helix's own services are the apps project's; everything else, tenant namespaces included, the platform's.</summary>
    private static string ProjectOf(PlatformSpec spec, string application) =>
        spec.Apps.FirstOrDefault(a => a.Name == application)?.Kind is AppKind.WebhookReceiver or AppKind.Orchestrator or AppKind.Remediation
            ? "apps" : "platform";

    private static string FolderOf(PlatformSpec spec, Component component)
    {
        if (component.Owner == Owner.Devtron)
        {
            return $"tenants/{component.Name}";
        }
        return ProjectOf(spec, component.Application) == "apps" ? $"apps/{component.Application}" : $"platform/{component.Application}";
    }

    /// <summary>What Terraform owns (the seed's ownership boundaries).</summary>
    private static readonly IReadOnlyList<string> TerraformResources =
        ["network", "load-balancer", "nat-floating-ips", "dns", "netbird-management", "iam-oidc-role", "state-bucket", "kms-key", "talos-cluster"];

    private static IReadOnlyList<string> AppDependencies(AppKind kind) => kind switch
    {
        AppKind.WebhookReceiver => ["nats", "kyverno"],
        AppKind.Orchestrator => ["nats", "postgres-pooler", "redis", "kyverno"],
        AppKind.Remediation => ["argocd", "postgres-pooler", "kyverno"],
        _ => ["kyverno"],
    };

    /// <summary>The seed's arrows, as connections a network policy must allow (client to server, port).</summary>
    private static List<Flow> Flows(PlatformSpec spec)
    {
        var flows = new List<Flow>();
        var byKind = spec.Apps.ToLookup(a => a.Kind);
        foreach (var receiver in byKind[AppKind.WebhookReceiver])
        {
            flows.Add(new(receiver.Name, "nats", 4222, "async enqueue"));
        }
        foreach (var orchestrator in byKind[AppKind.Orchestrator])
        {
            flows.Add(new(orchestrator.Name, "nats", 4222, "job dispatch"));
            flows.Add(new(orchestrator.Name, "postgres-pooler", 5432, "db write"));
            flows.Add(new(orchestrator.Name, "postgres", 5432, "schema migrations (direct, not through the pooler)"));
            flows.Add(new(orchestrator.Name, "redis", 6379, "cache r/w"));
            flows.AddRange(byKind[AppKind.Ollama].Select(o => new Flow(orchestrator.Name, o.Name, 11434, "inference")));
            flows.AddRange(byKind[AppKind.Steel].Select(s => new Flow(orchestrator.Name, s.Name, 3000, "browser sessions")));
        }
        foreach (var remediation in byKind[AppKind.Remediation])
        {
            flows.Add(new(remediation.Name, "argocd", 8080, "application state"));
            flows.Add(new(remediation.Name, "postgres-pooler", 5432, "decision log"));
            flows.Add(new(remediation.Name, "postgres", 5432, "schema migrations (direct, not through the pooler)"));
            flows.Add(new("monitoring", remediation.Name, 8080, "Alertmanager webhooks"));
            flows.Add(new("argocd", remediation.Name, 8080, "ArgoCD notifications"));
        }
        flows.Add(new("postgres-pooler", "postgres", 5432, "pooled connections"));
        flows.Add(new("traefik", "authentik", 9000, "ForwardAuth"));
        flows.Add(new("devtron", "argocd", 8080, "management"));
        flows.Add(new("devtron", "authentik", 9000, "OIDC identity"));
        flows.Add(new("devtron", "postgres-pooler", 5432, "external CNPG"));
        flows.Add(new("devtron", "redis", 6379, "external Redis"));
        flows.Add(new("devtron", "nats", 4222, "external NATS"));
        flows.Add(new("cnpg", "postgres", 8000, "instance manager status"));
        foreach (var (component, ports) in PlatformMetricsPorts)
        {
            flows.AddRange(ports.Select(port => new Flow("monitoring", component, port, "metrics")));
        }
        flows.Add(new("authentik", "postgres-pooler", 5432, "database"));
        flows.Add(new("authentik", "redis", 6379, "cache"));
        foreach (var route in spec.Routes)
        {
            flows.Add(new("traefik", ComponentOf(route.To), PortOf(spec, route.To), $"route {route.Host}{route.Path}"));
        }
        foreach (var app in spec.Apps.Where(a => a.Kind is AppKind.WebhookReceiver or AppKind.Orchestrator or AppKind.Remediation))
        {
            flows.Add(new("monitoring", app.Name, 8080, "metrics"));
        }
        foreach (var tenant in spec.Tenants)
        {
            flows.AddRange(tenant.Flows.Select(f => new Flow(tenant.Name, f.To, f.Port, "declared by the tenant")));
        }
        return flows.Distinct().OrderBy(f => f.From, StringComparer.Ordinal).ThenBy(f => f.To, StringComparer.Ordinal).ThenBy(f => f.Port).ToList();
    }

    /// <summary>Where Prometheus scrapes the platform's components (container ports of their exporters).</summary>
    private static readonly (string Component, int[] Ports)[] PlatformMetricsPorts =
    [
        ("longhorn", [9500]),
        ("cnpg", [8080]),
        ("postgres", [9187]),
        ("postgres-pooler", [9127]),
        ("redis", [9121]),
        ("nats", [7777]),
        ("cert-manager", [9402]),
        ("traefik", [9100]),
        ("authentik", [9300]),
        ("argocd", [8082, 8083, 8084]),
        ("kyverno", [8000]),
    ];

    private static readonly IReadOnlyList<string> NoFqdns = [];

    /// <summary>Traffic with peers outside the pods: the API server, admission webhooks, the load balancer, the internet.</summary>
    private static List<PeerFlow> PeerFlows(PlatformSpec spec)
    {
        var flows = new List<PeerFlow>();
        foreach (var client in new[] { "longhorn", "cnpg", "postgres", "postgres-pooler", "cert-manager", "traefik", "argocd", "devtron", "monitoring", "kyverno" })
        {
            flows.Add(new(client, Peer.KubeApiserver, true, [6443], "Kubernetes API", NoFqdns));
        }
        foreach (var (component, port) in new[] { ("cert-manager", 10250), ("kyverno", 9443), ("cnpg", 9443), ("longhorn", 9501), ("longhorn", 9502) })
        {
            flows.Add(new(component, Peer.KubeApiserver, false, [port], "admission webhook", NoFqdns));
        }
        flows.Add(new("monitoring", Peer.Nodes, true, [9100, 10250], "node exporter and kubelet metrics", NoFqdns));
        flows.Add(new("traefik", Peer.World, false, [8443], "HTTPS from the load balancer (proxy protocol)", NoFqdns));

        var region = spec.Infra.Aws.Region;
        flows.Add(new("cert-manager", Peer.World, true, [443], "ACME and Route 53 DNS-01",
            ["acme-v02.api.letsencrypt.org", "acme-staging-v02.api.letsencrypt.org", "route53.amazonaws.com", "sts.amazonaws.com"]));
        flows.Add(new("postgres", Peer.World, true, [443], "backups to S3", [$"s3.{region}.amazonaws.com", $"*.s3.{region}.amazonaws.com"]));
        var gitHost = Uri.TryCreate(spec.GitOps.RepoUrl, UriKind.Absolute, out var repo) ? repo.Host : "github.com";
        flows.Add(new("argocd", Peer.World, true, [443], "the GitOps repository and chart repositories",
            [gitHost, .. Rendering.Pins.Repositories().Select(r => new Uri(r).Host).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]));
        flows.Add(new("kyverno", Peer.World, true, [443], "image signatures and the transparency log",
            ["ghcr.io", "pkg-containers.githubusercontent.com", "rekor.sigstore.dev", "tuf-repo-cdn.sigstore.dev"]));
        flows.Add(new("devtron", Peer.World, true, [443], "Git and registries for CI", ["github.com", "api.github.com", "ghcr.io"]));
        foreach (var app in spec.Apps)
        {
            if (app.Egress)
            {
                flows.Add(new(app.Name, Peer.World, true, [80, 443], "through the egress gateway", NoFqdns));
            }
            else if (app.Kind == AppKind.Remediation)
            {
                flows.Add(new(app.Name, Peer.World, true, [443], "pull requests on the Git host", [gitHost, $"api.{gitHost}"]));
            }
        }
        return flows;
    }

    /// <summary>The component behind a route target: Grafana is part of the monitoring stack.</summary>
    public static string ComponentOf(string routeTarget) => routeTarget == "grafana" ? "monitoring" : routeTarget;

    /// <summary>The port a component serves on (Helix's own services: 8080).</summary>
    public static int PortOf(PlatformSpec spec, string component) => component switch
    {
        "argocd" => 8080,
        "devtron" => 8080,
        "grafana" => 3000,
        "authentik" => 9000,
        _ => spec.Apps.FirstOrDefault(a => a.Name == component)?.Kind switch
        {
            AppKind.Ollama => 11434,
            AppKind.Steel => 3000,
            _ => 8080,
        },
    };
}
