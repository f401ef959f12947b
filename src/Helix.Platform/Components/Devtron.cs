using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;

namespace Helix.Platform.Components;

/// <summary>Seed step 5: Devtron on top of the platform's Argo CD, PostgreSQL, Redis and NATS.</summary>
internal sealed class Devtron : IComponent
{
    public const string Name = "devtron";
    public const string Namespace = "devtroncd";
    public static readonly ChartPin Pin = new("https://helm.devtron.ai", "devtron-operator", "0.23.3");
    public const int Port = 8080;

    /// <summary>Devtron's API, as the cluster reaches it.</summary>
    public static string ApiUrl => $"http://{Meta.Dns(Service, Namespace)}/orchestrator";

    /// <summary>The Secret with the API token (key <c>token</c>) that tenants' jobs call Devtron's API with.</summary>
    public const string ApiTokenSecret = "devtron-api-token";

    private const string Service = "devtron-service";

    /// <summary>
    /// Namespaces the chart's CI/CD module creates and runs pods in: Argo Workflows' controller, the
    /// CI and CD runners, and a demo environment. Parts of the platform like any other, so they get
    /// the project's permission, Pod Security labels and default deny.
    /// </summary>
    public const string WorkflowsNamespace = "argo";

    public const string CiNamespace = "devtron-ci";

    public const string CdNamespace = "devtron-cd";

    public const string DemoNamespace = "devtron-demo";

    public ComponentDeclaration Declare(PlatformSpec spec) => new()
    {
        Name = Name,
        Namespace = Namespace,
        Step = 5,
        Parts =
        [
            new(Name, Namespace, "platform", [ArgoCd.Name, Cnpg.Pooler, Redis.Name, Nats.Name]),
            new("devtron-workflows", WorkflowsNamespace, "platform", [Name]),
            // Devtron's runners run its own images (not the apps' signed ones): platform zone, egress through the gateway.
            new("devtron-ci", CiNamespace, "platform", [Name]),
            new("devtron-cd", CdNamespace, "platform", [Name]),
            new("devtron-demo", DemoNamespace, "app", [Name]),
        ],
        Charts = [Pin],
        Flows =
        [
            new(Name, ArgoCd.Name, ArgoCd.Port, "management"),
            new(Name, Authentik.Name, Authentik.Port, "OIDC identity"),
            new(Name, Cnpg.Pooler, Cnpg.Port, "external CNPG"),
            new(Name, Redis.Name, Redis.Port, "external Redis"),
            new(Name, Nats.Name, Nats.Port, "external NATS"),
            new("devtron-ci", Nats.Name, Nats.Port, "CI results to Devtron"),
            new("devtron-cd", Nats.Name, Nats.Port, "CD stage results to Devtron"),
        ],
        PeerFlows =
        [
            PeerFlow.KubernetesApi(Name),
            PeerFlow.KubernetesApi("devtron-workflows"),
            new(Name, Peer.World, true, [443], "Git for pipelines", ["github.com", "api.github.com"]),
            // Builds fetch sources and push images wherever the pipeline says: through the egress gateway only.
            PeerFlow.ThroughEgressGateway("devtron-ci"),
            PeerFlow.ThroughEgressGateway("devtron-cd"),
        ],
        RouteTargets = [new(Name, Name, Service, Namespace, 80, Port)],
        Secrets = [new(Namespace, ApiTokenSecret, ["token"], SecretCreator.Operator, "Devtron's API, for tenants' environments")
        {
            Sources = new Dictionary<string, KeySource>(StringComparer.Ordinal) { ["token"] = KeySource.Issued("an API token made in Devtron's UI once it runs") },
        }],
    };

    public ComponentRender Render(PlatformModel model) => new(
    [
        new(Pin, Name, new JsonObject
        {
            ["installer"] = new JsonObject { ["modules"] = new JsonArray("cicd") },
            ["global"] = new JsonObject
            {
                ["storageClass"] = Longhorn.StorageClass,
                // The platform's CNPG cluster through its pooler, not the chart's own PostgreSQL.
                ["externalPostgres"] = new JsonObject { ["enabled"] = true, ["PG_ADDR"] = Cnpg.PoolerHost },
                ["dbConfig"] = new JsonObject { ["PG_ADDR"] = Cnpg.PoolerHost, ["PG_PORT"] = $"{Cnpg.Port}", ["PG_USER"] = Name, ["PG_DATABASE"] = Name },
            },
            ["argo-cd"] = new JsonObject { ["enabled"] = false }, // the platform's ArgoCD (step 4) is Devtron's
            ["components"] = new JsonObject
            {
                // Reached through Traefik's route (SSO in front); the chart's LoadBalancer would wait for an address nothing provisions.
                ["devtron"] = new JsonObject { ["ingress"] = new JsonObject { ["enabled"] = false }, ["service"] = new JsonObject { ["type"] = "ClusterIP" } },
            },
            ["configs"] = new JsonObject { ["BASE_URL_SCHEME"] = "https", ["BASE_URL"] = model.Host(Name), ["PROMETHEUS_URL"] = Observability.PrometheusUrl },
        }),
    ], []);
}
