using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;
using k8s.Models;

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

    /// <summary>Devtron's databases, all its role's: the orchestrator's, and one each for git-sensor, lens and casbin, each migrated on its own.</summary>
    public static readonly IReadOnlyList<string> Databases = ["orchestrator", "git_sensor", "lens", "casbin"];

    /// <summary>Devtron's local account in the platform's Argo CD: it logs in with a password (its API client has no token path).</summary>
    public const string ArgoCdAccount = "devtron";

    /// <summary>
    /// The Secrets the chart's components read by name. The chart writes them as Helm hooks with values it
    /// generates on every render (its lookup of the live ones does not run under Argo CD), and Argo CD
    /// re-creates hooks on every sync: the platform writes them instead, and the plugin leaves the chart's out.
    /// </summary>
    private const string MainSecret = "devtron-secret";

    private const string MigratorSecret = "postgresql-migrator";
    private const string CustomSecret = "devtron-custom-secret";
    private const string PasswordKey = "PG_PASSWORD";

    /// <summary>The Secret with Devtron's Dex client secret at Authentik (the same value as Authentik's own copy).</summary>
    private const string SsoSecret = "devtron-sso";

    private const string CurlImage = "docker.io/curlimages/curl:8.11.1";

    /// <summary>The <c>curl_user</c> of the curl image.</summary>
    private const long CurlUser = 100;

    private static readonly Removal[] Removals =
    [
        // The platform writes these (SOPS); the chart's are hooks regenerated on every sync.
        new("Secret", $"postgresql-postgresql|{MigratorSecret}|{MainSecret}|{CustomSecret}"),
        // CNPG Database objects create Devtron's databases.
        new("Job", "postgresql-create-databases-[a-z0-9]+"),
        // Devtron uses the platform's NATS.
        new("StatefulSet", "devtron-nats"),
        new("Service", "devtron-nats"),
        new("ConfigMap", "devtron-nats-config"),
        new("Pod", "devtron-nats-test-request-reply"),
    ];

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
            new(Name, Namespace, "platform", [ArgoCd.Name, Cnpg.SessionPooler, Nats.Name]),
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
            new(Name, Cnpg.SessionPooler, Cnpg.Port, "external CNPG, in session mode (migrations take advisory locks)"),
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
        Secrets =
        [
            new(Namespace, ApiTokenSecret, ["token"], SecretCreator.Operator, "Devtron's API, for tenants' environments")
            {
                Sources = new Dictionary<string, KeySource>(StringComparer.Ordinal) { ["token"] = KeySource.Issued("an API token made in Devtron's UI once it runs") },
            },
            new(Namespace, MainSecret, ["ACD_PASSWORD", "DEX_CSTOREKEY", "DEX_JWTKEY", "DEX_SECRET", "EXTERNAL_CI_API_SECRET", PasswordKey, "WEBHOOK_TOKEN"], SecretCreator.Operator,
                "Devtron's database password, Argo CD login, Dex keys and webhook tokens, stable across syncs")
            {
                Sources = new Dictionary<string, KeySource>(StringComparer.Ordinal)
                {
                    [PasswordKey] = DatabasePassword,
                    ["ACD_PASSWORD"] = KeySource.Issued($"the password of Argo CD's account {ArgoCdAccount}, set with `argocd account update-password --account {ArgoCdAccount}`"),
                },
            },
            new(Namespace, MigratorSecret, ["DB_PASSWORD", PasswordKey], SecretCreator.Operator, "the database password of Devtron's migration Jobs")
            {
                Sources = new Dictionary<string, KeySource>(StringComparer.Ordinal) { ["DB_PASSWORD"] = DatabasePassword, [PasswordKey] = DatabasePassword },
            },
            new(Namespace, CustomSecret, ["ORCH_TOKEN"], SecretCreator.Operator, "the token Devtron's orchestrator signs its internal calls with"),
            new(Namespace, SsoSecret, ["clientSecret"], SecretCreator.Operator, "Devtron's Dex client at Authentik, for the SSO settings Job")
            {
                Sources = new Dictionary<string, KeySource>(StringComparer.Ordinal)
                {
                    ["clientSecret"] = KeySource.Same(Authentik.Namespace, AuthentikBlueprint.ClientSecrets, Client.Slug),
                },
            },
        ],
    };

    private static AuthentikBlueprint.OidcClient Client => AuthentikBlueprint.OidcClients.Single(c => c.Target == Name);

    private static KeySource DatabasePassword => KeySource.Same(Cnpg.Namespace, Cnpg.RoleSecret(Name), "password");

    public ComponentRender Render(PlatformModel model)
    {
        var nats = Nats.Url(model.Spec);
        // Every component reads the platform's password Secret; each names its own database after the shared connection settings.
        static JsonObject DbConfig() => new() { ["secretName"] = MainSecret, ["keyName"] = PasswordKey };
        JsonObject Component(JsonObject configs) => new() { ["configs"] = configs, ["dbconfig"] = DbConfig() };
        var values = new JsonObject
        {
            ["installer"] = new JsonObject { ["modules"] = new JsonArray("cicd") },
            ["global"] = new JsonObject
            {
                ["storageClass"] = Longhorn.StorageClass,
                // The platform's CNPG cluster through its session pooler, not the chart's own PostgreSQL; the password is in MainSecret.
                ["externalPostgres"] = new JsonObject { ["enabled"] = true, ["PG_ADDR"] = Cnpg.SessionPoolerHost },
                ["dbConfig"] = new JsonObject { ["PG_ADDR"] = Cnpg.SessionPoolerHost, ["PG_PORT"] = $"{Cnpg.Port}", ["PG_USER"] = Name, ["PG_DATABASE"] = Databases[0] },
            },
            ["argo-cd"] = new JsonObject { ["enabled"] = false }, // the platform's ArgoCD (step 4) is Devtron's
            ["components"] = new JsonObject
            {
                ["devtron"] = new JsonObject
                {
                    // Reached through Traefik's route (SSO in front); the chart's LoadBalancer would wait for an address nothing provisions.
                    ["ingress"] = new JsonObject { ["enabled"] = false },
                    ["service"] = new JsonObject { ["type"] = "ClusterIP" },
                    // devtron-custom-cm comes after devtron-cm in the pod's envFrom, so these win over the chart's fixed settings.
                    ["customOverrides"] = new JsonObject
                    {
                        ["NATS_SERVER_HOST"] = nats,
                        ["ACD_URL"] = ArgoCd.ServerHost,
                        ["ACD_USERNAME"] = ArgoCdAccount,
                        ["ACD_USER"] = ArgoCdAccount,
                        ["CD_HOST"] = ArgoCd.ServerHost,
                        ["CD_NAMESPACE"] = ArgoCd.Namespace,
                        ["ACD_SKIP_VERIFY"] = "false",
                    },
                },
                ["kubelink"] = Component(new JsonObject { ["NATS_SERVER_HOST"] = nats }),
                ["kubewatch"] = Component(new JsonObject { ["NATS_SERVER_HOST"] = nats, ["ACD_NAMESPACE"] = ArgoCd.Namespace }),
                ["gitsensor"] = Component(new JsonObject { ["NATS_SERVER_HOST"] = nats }),
                ["lens"] = Component(new JsonObject { ["NATS_SERVER_HOST"] = nats }),
            },
            ["notifier"] = new JsonObject { ["dbconfig"] = DbConfig() },
            ["devtronEnterprise"] = new JsonObject { ["casbin"] = new JsonObject { ["dbconfig"] = DbConfig() } },
            ["configs"] = new JsonObject { ["BASE_URL_SCHEME"] = "https", ["BASE_URL"] = model.Host(Name), ["PROMETHEUS_URL"] = Observability.PrometheusUrl },
        };
        return new([new(Pin, Name, values) { Removals = Removals }], [new ManifestFile("sso.yaml", [Sso(model)])]);
    }

    /// <summary>Devtron's sign-in connector as its <c>/orchestrator/sso</c> API takes it: a Dex OIDC connector to Authentik.</summary>
    internal sealed record SsoRequest(string Name, string Label, string Url, bool Active, SsoConnector Config);

    internal sealed record SsoConnector(string Id, string Type, string Name, SsoOidc Config);

    /// <summary>Dex's OIDC connector settings, spelled as Dex spells them.</summary>
    internal sealed record SsoOidc(
        string Issuer,
        [property: System.Text.Json.Serialization.JsonPropertyName("clientID")] string ClientId,
        string ClientSecret,
        [property: System.Text.Json.Serialization.JsonPropertyName("redirectURI")] string RedirectUri,
        bool InsecureEnableGroups,
        IReadOnlyList<string> Scopes);

    /// <summary>The placeholder the Job replaces with the client secret from its Secret: the secret never sits in the manifest.</summary>
    private const string SecretPlaceholder = "__CLIENT_SECRET__";

    /// <summary>
    /// Devtron keeps its SSO settings in its database, behind its API: after each sync a Job creates the
    /// Authentik connector, or updates it to what the platform says (issuer, client, callback).
    /// </summary>
    private static V1Job Sso(PlatformModel model)
    {
        var host = model.Host(Name);
        var request = new SsoRequest("oidc", "Authentik", $"https://{host}/orchestrator", true, new SsoConnector("oidc", "oidc", "Authentik",
            new SsoOidc($"https://{model.Host(Authentik.Name)}/application/o/{Client.Slug}/", Client.Slug, SecretPlaceholder, $"https://{host}{Client.CallbackPath}", true,
                ["openid", "profile", "email", "groups"])));
        var body = System.Text.Json.JsonSerializer.Serialize(request, SsoJson);
        var script = $$"""
            set -eu
            if [ -z "${DEVTRON_TOKEN:-}" ]; then
              echo "{{ApiTokenSecret}} is not there yet (it is made in Devtron once Devtron runs): the sync after it is configures sign-in"
              exit 0
            fi
            api={{ApiUrl}}
            body=${BODY%%{{SecretPlaceholder}}*}$CLIENT_SECRET${BODY#*{{SecretPlaceholder}}}
            curl -sS --fail-with-body -o /tmp/sso.json -H "token: $DEVTRON_TOKEN" "$api/sso/list"
            id=$(sed -n 's/.*{"id":\([0-9]*\),"name":"oidc".*/\1/p' /tmp/sso.json)
            if [ -z "$id" ]; then
              curl -sS --fail-with-body -o /dev/null -X POST -H "token: $DEVTRON_TOKEN" -H 'Content-Type: application/json' -d "$body" "$api/sso/create"
              echo "Devtron's Authentik sign-in created"
            else
              curl -sS --fail-with-body -o /dev/null -X PUT -H "token: $DEVTRON_TOKEN" -H 'Content-Type: application/json' -d "{\"id\":$id,${body#\{}" "$api/sso/update"
              echo "Devtron's Authentik sign-in $id updated"
            fi
            """;
        return ApiJob("devtron-sso", Name, "configure-sso", script, tokenOptional: true,
        env: [
            Pods.Env("BODY", body),
            new V1EnvVar { Name = "CLIENT_SECRET", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = SsoSecret, Key = "clientSecret" } } },
        ]);
    }

    private static readonly System.Text.Json.JsonSerializerOptions SsoJson = new() { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase };

    /// <summary>
    /// A PostSync Job in Devtron's namespace that calls Devtron's API with the token in <see cref="ApiTokenSecret"/>
    /// (a pinned curl image, no service account token, read-only root): Devtron keeps environments and SSO in its database.
    /// With an optional token the Job also runs without one (and must then do nothing): Devtron's own Job runs before anyone could make it.
    /// </summary>
    public static V1Job ApiJob(string name, string application, string container, string script, IReadOnlyList<V1EnvVar> env, bool tokenOptional = false) => new()
    {
        ApiVersion = "batch/v1",
        Kind = "Job",
        Metadata = Meta.Object(name, Namespace, application, annotations: new Dictionary<string, string>
        {
            ["argocd.argoproj.io/hook"] = "PostSync",
            ["argocd.argoproj.io/hook-delete-policy"] = "BeforeHookCreation",
        }),
        Spec = new V1JobSpec
        {
            BackoffLimit = 6,
            TtlSecondsAfterFinished = 86400,
            Template = new V1PodTemplateSpec
            {
                Spec = new V1PodSpec
                {
                    RestartPolicy = "OnFailure",
                    AutomountServiceAccountToken = false,
                    SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, RunAsUser = CurlUser, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
                    Containers =
                    [
                        new V1Container
                        {
                            Name = container,
                            Image = CurlImage,
                            Command = ["sh", "-c", script],
                            Env =
                            [
                                .. env,
                                new V1EnvVar
                                {
                                    Name = "DEVTRON_TOKEN",
                                    ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = ApiTokenSecret, Key = "token", Optional = tokenOptional ? true : null } },
                                },
                            ],
                            Resources = Pods.Resources(new ResourcesSpec { Cpu = "10m", Memory = "16Mi", MemoryLimit = "64Mi" }),
                            SecurityContext = Pods.Restricted(CurlUser),
                            VolumeMounts = [new V1VolumeMount { Name = "tmp", MountPath = "/tmp" }],
                        },
                    ],
                    Volumes = [new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() }],
                },
            },
        },
    };
}
