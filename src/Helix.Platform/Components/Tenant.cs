using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;
using k8s.Models;

namespace Helix.Platform.Components;

/// <summary>
/// Seed step 8: an onboarded tenant. Devtron owns what runs inside it; its namespace in its zone,
/// quota, default limits, Argo CD project, network policies and Devtron environment are GitOps'.
/// </summary>
internal sealed class Tenant(TenantSpec tenant) : IComponent
{
    /// <summary>The Application (and AppProject) of a tenant's namespace, quota and policies.</summary>
    public static string ApplicationOf(string tenant) => $"tenant-{tenant}";

    private string Application => ApplicationOf(tenant.Name);

    public ComponentDeclaration Declare(PlatformSpec spec) => new()
    {
        Name = Application,
        Namespace = tenant.Name,
        Step = 8,
        Kind = ApplicationKind.Tenant,
        Parts = [new(tenant.Name, tenant.Name, tenant.Zone, [Kyverno.Engine, Devtron.Name]) { Owner = Owner.Devtron }],
        Flows = [.. tenant.Flows.Select(f => new Flow(tenant.Name, f.To, f.Port, "declared by the tenant"))],
        Secrets = [new(Devtron.Namespace, Devtron.ApiTokenSecret, ["token"], SecretCreator.Operator, "Devtron's API, for tenants' environments")
        {
            Sources = new Dictionary<string, KeySource>(StringComparer.Ordinal) { ["token"] = KeySource.Issued("an API token made in Devtron's UI once it runs") },
        }],
        // Prometheus reaches its pods' metrics port (the policies both ways follow from this flow).
        Metrics = [new(tenant.Name, tenant.MetricsPort)],
        CrdsUsed = [ArgoCd.AppProject, Cilium.NetworkPolicy, MonitoringCrds.PodMonitor],
    };

    /// <summary>The label a tenant's pod carries to be scraped, on its container port named <see cref="MetricsPortName"/>.</summary>
    public const string MetricsLabel = "helix.io/metrics";

    public const string MetricsPortName = "metrics";

    /// <summary>A tenant: its namespace in its zone, quota, default limits and an ArgoCD project fenced to it.</summary>
    public ComponentRender Render(PlatformModel model)
    {
        var spec = model.Spec;
        var ns = new V1Namespace
        {
            ApiVersion = "v1",
            Kind = "Namespace",
            Metadata = Meta.Object(tenant.Name, null, Application,
                Pods.NamespaceLabels(tenant.Zone, "restricted", new Dictionary<string, string> { ["helix.io/tenant"] = tenant.Name, ["helix.io/team"] = tenant.Team })),
        };
        var quota = new V1ResourceQuota
        {
            ApiVersion = "v1",
            Kind = "ResourceQuota",
            Metadata = Meta.Object("tenant-quota", tenant.Name, Application),
            Spec = new V1ResourceQuotaSpec
            {
                Hard = new Dictionary<string, ResourceQuantity>
                {
                    ["requests.cpu"] = new(tenant.Quota.Cpu),
                    ["requests.memory"] = new(tenant.Quota.Memory),
                    ["limits.memory"] = new(tenant.Quota.Memory),
                    ["pods"] = new(tenant.Quota.Pods.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    ["services.loadbalancers"] = new("0"),
                    ["services.nodeports"] = new("0"),
                },
            },
        };
        var limits = new V1LimitRange
        {
            ApiVersion = "v1",
            Kind = "LimitRange",
            Metadata = Meta.Object("tenant-defaults", tenant.Name, Application),
            Spec = new V1LimitRangeSpec
            {
                Limits =
                [
                    new V1LimitRangeItem
                    {
                        Type = "Container",
                        DefaultRequest = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("128Mi") },
                        DefaultProperty = new Dictionary<string, ResourceQuantity> { ["memory"] = new("256Mi") },
                    },
                ],
            },
        };
        var project = new Resource<AppProjectSpec>("argoproj.io/v1alpha1", "AppProject",
            Meta.Object(Application, "argocd", Application),
            new AppProjectSpec(
                $"Tenant {tenant.Name} (team {tenant.Team}): Devtron deploys its workloads into namespace {tenant.Name} only",
                [OrganisationRepos(spec.GitOps.RepoUrl)],
                [new ApplicationDestination(Meta.InCluster, tenant.Name)],
                [],
                Meta.PlatformOwnedKinds));
        return new ComponentRender([],
        [
            new("namespace.yaml", [ns]),
            new("resource-quota.yaml", [quota]),
            new("limit-range.yaml", [limits]),
            new("app-project.yaml", [project]),
            new("network-policies.yaml", NetworkPolicies.ForNamespace(model, tenant.Name)),
            new("devtron-environment.yaml", [DevtronEnvironment()]),
            new("pod-monitor.yaml", [Metrics()]),
        ])
        { Cascade = true };
    }

    /// <summary>
    /// The scrape every app of the tenant opts into: a pod labelled <see cref="MetricsLabel"/> is scraped on
    /// its port named <see cref="MetricsPortName"/> (which must be the tenant's metrics port, the one its
    /// policies open to Prometheus).
    /// </summary>
    private Resource<PodMonitorSpec> Metrics() => new("monitoring.coreos.com/v1", "PodMonitor",
        Meta.Object("tenant-apps", tenant.Name, Application),
        new PodMonitorSpec(
            new V1LabelSelector { MatchLabels = new Dictionary<string, string>(StringComparer.Ordinal) { [MetricsLabel] = "true" } },
            [new PodMetricsEndpoint(MetricsPortName, "/metrics", "30s")]));

    /// <summary>The body of Devtron's <c>POST /orchestrator/env</c> (its <c>EnvironmentBean</c>); cluster 1 is Devtron's own cluster.</summary>
    internal sealed record DevtronEnvironmentRequest(
        [property: System.Text.Json.Serialization.JsonPropertyName("environment_name")] string EnvironmentName,
        [property: System.Text.Json.Serialization.JsonPropertyName("cluster_id")] int ClusterId,
        [property: System.Text.Json.Serialization.JsonPropertyName("namespace")] string Namespace,
        [property: System.Text.Json.Serialization.JsonPropertyName("active")] bool Active,
        [property: System.Text.Json.Serialization.JsonPropertyName("default")] bool Default);

    /// <summary>Creates the tenant's Devtron environment after each sync, once: Devtron keeps environments in its database, behind its API.</summary>
    private V1Job DevtronEnvironment()
    {
        var body = System.Text.Json.JsonSerializer.Serialize(new DevtronEnvironmentRequest(tenant.Name, 1, tenant.Name, true, false));
        var script = $$"""
            set -eu
            api={{Devtron.ApiUrl}}
            status=$(curl -sS -o /tmp/env.json -w '%{http_code}' -H "token: $DEVTRON_TOKEN" "$api/env/name?environment=$ENVIRONMENT")
            if [ "$status" = 200 ] && grep -q '"environment_name"' /tmp/env.json; then
              echo "Devtron environment $ENVIRONMENT exists"
              exit 0
            fi
            curl -sS --fail-with-body -X POST -H "token: $DEVTRON_TOKEN" -H 'Content-Type: application/json' -d "$BODY" "$api/env"
            echo "Devtron environment $ENVIRONMENT created"
            """;
        return Devtron.ApiJob($"devtron-environment-{tenant.Name}", Application, "create-environment", script,
            [Pods.Env("ENVIRONMENT", tenant.Name), Pods.Env("BODY", body)]);
    }


    /// <summary>Every repository of the GitOps repository's owner: where Devtron keeps tenants' GitOps repos.</summary>
    internal static string OrganisationRepos(string repoUrl)
    {
        var slash = repoUrl.TrimEnd('/').LastIndexOf('/');
        return slash > "https://".Length ? repoUrl[..(slash + 1)] + "*" : repoUrl;
    }
}
