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
            new("longhorn", "longhorn-system", "platform", Owner.GitOps, 2, ["cilium"]),
            new("cnpg", "cnpg-system", "platform", Owner.GitOps, 2, ["longhorn"]),
            new("postgres", "postgres", "db", Owner.GitOps, 2, ["cnpg"]),
            new("postgres-pooler", "postgres", "db", Owner.GitOps, 2, ["postgres"]),
            new("redis", "redis", "db", Owner.GitOps, 2, ["longhorn"]),
            new("nats", spec.Nats.Namespace, "platform", Owner.GitOps, 2, ["longhorn"]),
            new("cert-manager", "cert-manager", "platform", Owner.GitOps, 3, ["cilium"]),
            new("traefik", "traefik", "platform", Owner.GitOps, 3, ["cert-manager"]),
            new("authentik", "authentik", "platform", Owner.GitOps, 3, ["postgres-pooler", "redis", "traefik"]),
            new("argocd", "argocd", "platform", Owner.GitOps, 4, ["cilium"]),
            new("devtron", "devtron", "platform", Owner.GitOps, 5, ["argocd", "postgres-pooler", "redis", "nats"]),
            new("monitoring", "monitoring", "platform", Owner.GitOps, 6, ["longhorn"]),
            new("loki", "monitoring", "platform", Owner.GitOps, 6, ["monitoring"]),
            new("kyverno", "kyverno", "platform", Owner.GitOps, 7, ["monitoring"]),
        };

        foreach (var app in spec.Apps)
        {
            components.Add(new(app.Name, app.Namespace, "app", Owner.GitOps, 8, AppDependencies(app.Kind)));
        }
        foreach (var tenant in spec.Tenants)
        {
            // Devtron owns what runs inside a tenant; the namespace, quota and policies are GitOps'.
            components.Add(new(tenant.Name, tenant.Name, tenant.Zone, Owner.Devtron, 8, ["kyverno", "devtron"]));
        }
        components.Add(new("ingress", "traefik", "platform", Owner.GitOps, 9,
            ["traefik", "authentik", .. spec.Apps.Select(a => a.Name)]));

        var steps = StepTitles.Select(s => new InstallStep(s.Number, s.Title, s.Owner,
            s.Owner == Owner.Terraform ? TerraformResources : components.Where(c => c.Step == s.Number).Select(c => c.Name).ToList())).ToList();

        return new PlatformModel(spec, components, steps, Flows(spec), TerraformResources);
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
            flows.Add(new(orchestrator.Name, "redis", 6379, "cache r/w"));
            flows.AddRange(byKind[AppKind.Ollama].Select(o => new Flow(orchestrator.Name, o.Name, 11434, "inference")));
            flows.AddRange(byKind[AppKind.Steel].Select(s => new Flow(orchestrator.Name, s.Name, 3000, "browser sessions")));
        }
        foreach (var remediation in byKind[AppKind.Remediation])
        {
            flows.Add(new(remediation.Name, "argocd", 8080, "application state"));
            flows.Add(new(remediation.Name, "postgres-pooler", 5432, "decision log"));
            flows.Add(new("monitoring", remediation.Name, 8080, "Alertmanager webhooks"));
        }
        flows.Add(new("postgres-pooler", "postgres", 5432, "pooled connections"));
        flows.Add(new("traefik", "authentik", 9000, "ForwardAuth"));
        flows.Add(new("devtron", "argocd", 8080, "management"));
        flows.Add(new("devtron", "authentik", 9000, "OIDC identity"));
        flows.Add(new("devtron", "postgres-pooler", 5432, "external CNPG"));
        flows.Add(new("authentik", "postgres-pooler", 5432, "database"));
        flows.Add(new("authentik", "redis", 6379, "cache"));
        foreach (var route in spec.Routes)
        {
            flows.Add(new("traefik", ComponentOf(route.To), PortOf(spec, route.To), $"route {route.Host}{route.Path}"));
        }
        foreach (var app in spec.Apps)
        {
            flows.Add(new("monitoring", app.Name, MetricsPort(app.Kind), "metrics"));
        }
        foreach (var tenant in spec.Tenants)
        {
            flows.AddRange(tenant.Flows.Select(f => new Flow(tenant.Name, f.To, f.Port, "declared by the tenant")));
        }
        return flows.Distinct().OrderBy(f => f.From, StringComparer.Ordinal).ThenBy(f => f.To, StringComparer.Ordinal).ThenBy(f => f.Port).ToList();
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

    private static int MetricsPort(AppKind kind) => kind switch
    {
        AppKind.Ollama => 11434,
        AppKind.Steel => 3000,
        _ => 8080,
    };
}
