using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Spec;
using k8s.Models;

namespace Helix.Platform.Rendering;

/// <summary>
/// The platform's components (seed steps 2 to 7): each a pinned chart with its values, plus the
/// objects Helix writes itself. Values keys are the charts' own, as their values.yaml documents them.
/// </summary>
internal static class PlatformComponents
{
    /// <summary>Storage class Longhorn makes the default; every volume Helix asks for uses it.</summary>
    public const string StorageClass = "longhorn";

    public const string PostgresCluster = "postgres";
    public const string Pooler = "postgres-pooler";
    public const string RedisService = "redis-haproxy";
    public const string BarmanPlugin = "barman-cloud.cloudnative-pg.io";

    /// <summary>Databases on the CNPG cluster: one role and database per consumer, password in a Secret of that name.</summary>
    public static IReadOnlyList<string> DatabaseUsers(PlatformSpec spec) =>
        PlatformDatabaseUsers
            .Concat(spec.Apps.Where(a => a.Kind is AppKind.Orchestrator or AppKind.Remediation).Select(a => a.Name))
            .ToList();

    private static readonly string[] PlatformDatabaseUsers = ["authentik", "devtron"];

    public static string PostgresUrl => Meta.Dns(Pooler, "postgres");

    public static string RedisHost => Meta.Dns(RedisService, "redis");

    public static string NatsUrl(PlatformSpec spec) => $"nats://{Meta.Dns("nats", spec.Nats.Namespace)}:4222";

    public static ComponentRender? Render(PlatformModel model, GitOpsApp app) => app.Name switch
    {
        "cilium" => Cilium(model.Spec),
        "longhorn" => Longhorn(model.Spec),
        "cnpg" => Cnpg(model.Spec),
        "redis" => Redis(model.Spec),
        "nats" => Nats(model.Spec),
        "cert-manager" => CertManager(model.Spec),
        "traefik" => Traefik(model.Spec),
        "authentik" => Authentik(model.Spec),
        "argocd" => ArgoCd(model.Spec),
        "devtron" => Devtron(model.Spec),
        "observability" => Observability(model.Spec),
        "policies" => Policies(),
        _ => null,
    };

    private static ComponentRender Cilium(PlatformSpec spec) => new("kube-system",
    [
        Pins.Cilium.Source("cilium", new JsonObject
        {
            ["ipam"] = new JsonObject { ["mode"] = "kubernetes" },
            // Talos: no kube-proxy; the API server is reached through KubePrism on every node.
            ["kubeProxyReplacement"] = true,
            ["k8sServiceHost"] = "localhost",
            ["k8sServicePort"] = 7445,
            ["bpf"] = new JsonObject { ["masquerade"] = true },
            ["egressGateway"] = new JsonObject { ["enabled"] = true },
            ["hubble"] = new JsonObject
            {
                ["enabled"] = true,
                ["relay"] = new JsonObject { ["enabled"] = true },
                ["ui"] = new JsonObject { ["enabled"] = true },
                ["metrics"] = new JsonObject
                {
                    ["enabled"] = new JsonArray("dns", "drop", "tcp", "flow", "policy:sourceContext=workload-name|reserved-identity;destinationContext=workload-name|reserved-identity"),
                    ["serviceMonitor"] = new JsonObject { ["enabled"] = true },
                },
            },
            ["prometheus"] = new JsonObject { ["enabled"] = true, ["serviceMonitor"] = new JsonObject { ["enabled"] = true, ["trustCRDsExist"] = true } },
            ["operator"] = new JsonObject { ["replicas"] = 2, ["prometheus"] = new JsonObject { ["enabled"] = true, ["serviceMonitor"] = new JsonObject { ["enabled"] = true } } },
            // Talos mounts cgroup v2 itself and forbids the SYS_MODULE capability.
            ["cgroup"] = new JsonObject { ["autoMount"] = new JsonObject { ["enabled"] = false }, ["hostRoot"] = "/sys/fs/cgroup" },
            ["securityContext"] = new JsonObject
            {
                ["capabilities"] = new JsonObject
                {
                    ["ciliumAgent"] = new JsonArray("CHOWN", "KILL", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "SYS_ADMIN", "SYS_RESOURCE", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"),
                    ["cleanCiliumState"] = new JsonArray("NET_ADMIN", "SYS_ADMIN", "SYS_RESOURCE"),
                },
            },
            ["policyEnforcementMode"] = "default",
            ["ipv4NativeRoutingCIDR"] = spec.Cluster.PodCidr,
        }),
    ], []);

    private static ComponentRender Longhorn(PlatformSpec spec) => new("longhorn-system",
    [
        Pins.Longhorn.Source("longhorn", new JsonObject
        {
            ["persistence"] = new JsonObject
            {
                ["defaultClass"] = true,
                ["defaultClassReplicaCount"] = spec.Data.Longhorn.Replicas,
                ["reclaimPolicy"] = "Retain",
            },
            ["defaultSettings"] = new JsonObject
            {
                ["defaultDataPath"] = spec.Data.Longhorn.DataPath,
                ["defaultReplicaCount"] = spec.Data.Longhorn.Replicas,
                ["replicaSoftAntiAffinity"] = false,
                ["nodeDrainPolicy"] = "block-for-eviction-if-contains-last-replica",
            },
            ["metrics"] = new JsonObject { ["serviceMonitor"] = new JsonObject { ["enabled"] = true } },
            ["preUpgradeChecker"] = new JsonObject { ["jobEnabled"] = false }, // a Job ArgoCD would re-run on every sync
        }),
    ], []);

    private static ComponentRender Cnpg(PlatformSpec spec)
    {
        var pg = spec.Data.Postgres;
        var users = DatabaseUsers(spec);
        var objectStore = new Resource<ObjectStoreSpec>("barmancloud.cnpg.io/v1", "ObjectStore",
            Meta.Object("postgres-backups", "postgres", "cnpg", annotations: Meta.Wave(1)),
            new ObjectStoreSpec(pg.Backup.Retention, new ObjectStoreConfiguration(
                $"s3://{pg.Backup.Bucket}/",
                new S3Credentials(
                    new SecretKeyRef(pg.Backup.CredentialsSecret, "ACCESS_KEY_ID"),
                    new SecretKeyRef(pg.Backup.CredentialsSecret, "ACCESS_SECRET_KEY"),
                    new SecretKeyRef(pg.Backup.CredentialsSecret, "REGION")),
                new CompressionSettings("gzip"), new CompressionSettings("gzip"))));
        var cluster = new Resource<CnpgClusterSpec>("postgresql.cnpg.io/v1", "Cluster",
            Meta.Object(PostgresCluster, "postgres", "cnpg", annotations: Meta.Wave(1)),
            new CnpgClusterSpec(
                pg.Instances,
                Pins.PostgresImage,
                new CnpgStorage(pg.Storage, StorageClass),
                new CnpgAffinity(true, "required", "kubernetes.io/hostname", Meta.NodeSelector(NodeRole.Db), Meta.Tolerations(NodeRole.Db)),
                new CnpgPostgresConfiguration(new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["max_connections"] = "200",
                    ["shared_buffers"] = "512MB",
                    ["log_min_duration_statement"] = "1s",
                }),
                new CnpgBootstrap(new CnpgInitDb("app", "app")),
                new CnpgManaged(users.Select(u => new CnpgRole(u, "present", true, new NameRef($"postgres-{u}"))).ToList()),
                [new CnpgPlugin(BarmanPlugin, true, new Dictionary<string, string>(StringComparer.Ordinal) { ["barmanObjectName"] = "postgres-backups" })],
                new CnpgMonitoring(true),
                new V1ResourceRequirements
                {
                    Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1"), ["memory"] = new("2Gi") },
                    Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("2Gi") },
                }));
        var databases = users.Select(u => (object)new Resource<CnpgDatabaseSpec>("postgresql.cnpg.io/v1", "Database",
            Meta.Object($"postgres-{u}", "postgres", "cnpg", annotations: Meta.Wave(2)),
            new CnpgDatabaseSpec(u.Replace('-', '_'), u, new NameRef(PostgresCluster), "present"))).ToList();
        var pooler = new Resource<PoolerSpec>("postgresql.cnpg.io/v1", "Pooler",
            Meta.Object(Pooler, "postgres", "cnpg", annotations: Meta.Wave(2)),
            new PoolerSpec(new NameRef(PostgresCluster), pg.Pooler.Instances, "rw",
                new PgBouncerSpec(SpecBinder.Kebab(pg.Pooler.Mode.ToString()), new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["max_client_conn"] = "1000",
                    ["default_pool_size"] = "20",
                    // Clients prepare statements at protocol level; PgBouncer 1.21+ keeps them per server connection.
                    ["max_prepared_statements"] = "200",
                }),
                new CnpgMonitoring(true),
                new V1PodTemplateSpec
                {
                    Spec = new V1PodSpec
                    {
                        Containers = [],
                        NodeSelector = Meta.NodeSelector(NodeRole.Db),
                        Tolerations = Meta.Tolerations(NodeRole.Db),
                    },
                }));
        var backup = new Resource<ScheduledBackupSpec>("postgresql.cnpg.io/v1", "ScheduledBackup",
            Meta.Object("postgres-daily", "postgres", "cnpg", annotations: Meta.Wave(2)),
            new ScheduledBackupSpec(pg.Backup.Schedule, true, "self", new NameRef(PostgresCluster), "plugin", new NameRef(BarmanPlugin)));

        return new ComponentRender("cnpg-system",
        [
            Pins.Cnpg.Source("cnpg", new JsonObject
            {
                ["replicaCount"] = 2,
                ["monitoring"] = new JsonObject { ["podMonitorEnabled"] = true, ["grafanaDashboard"] = new JsonObject { ["create"] = true } },
                ["config"] = new JsonObject { ["clusterWide"] = true },
            }),
            Pins.BarmanCloud.Source("barman-cloud", new JsonObject()),
        ],
        [
            new ManifestFile("object-store.yaml", [objectStore]),
            new ManifestFile("cluster.yaml", [cluster]),
            new ManifestFile("databases.yaml", databases),
            new ManifestFile("pooler.yaml", [pooler]),
            new ManifestFile("scheduled-backup.yaml", [backup]),
        ]);
    }

    private static ComponentRender Redis(PlatformSpec spec) => new("redis",
    [
        Pins.Redis.Source("redis", new JsonObject
        {
            ["fullnameOverride"] = "redis",
            ["replicas"] = spec.Data.Redis.Replicas,
            ["hardAntiAffinity"] = true,
            ["auth"] = true,
            ["existingSecret"] = "redis-auth",
            ["authKey"] = "password",
            ["persistentVolume"] = new JsonObject { ["enabled"] = true, ["size"] = spec.Data.Redis.Storage, ["storageClass"] = StorageClass },
            ["haproxy"] = new JsonObject { ["enabled"] = true, ["replicas"] = 2, ["metrics"] = new JsonObject { ["enabled"] = true } },
            ["exporter"] = new JsonObject { ["enabled"] = true, ["serviceMonitor"] = new JsonObject { ["enabled"] = true } },
            ["nodeSelector"] = Json(Meta.NodeSelector(NodeRole.Db)),
            ["tolerations"] = JsonArray(Meta.Tolerations(NodeRole.Db)),
        }),
    ], []);

    private static ComponentRender Nats(PlatformSpec spec) => new(spec.Nats.Namespace,
    [
        Pins.Nats.Source("nats", new JsonObject
        {
            ["config"] = new JsonObject
            {
                ["cluster"] = new JsonObject { ["enabled"] = true, ["replicas"] = spec.Nats.Replicas },
                ["jetstream"] = new JsonObject
                {
                    ["enabled"] = true,
                    ["fileStore"] = new JsonObject
                    {
                        ["enabled"] = true,
                        ["pvc"] = new JsonObject { ["enabled"] = true, ["size"] = spec.Nats.Storage, ["storageClassName"] = StorageClass },
                    },
                    ["memoryStore"] = new JsonObject { ["enabled"] = false },
                },
                ["monitor"] = new JsonObject { ["enabled"] = true },
            },
            ["promExporter"] = new JsonObject { ["enabled"] = true, ["podMonitor"] = new JsonObject { ["enabled"] = true } },
            ["podTemplate"] = new JsonObject
            {
                ["topologySpreadConstraints"] = new JsonObject
                {
                    ["kubernetes.io/hostname"] = new JsonObject { ["maxSkew"] = 1, ["whenUnsatisfiable"] = "DoNotSchedule" },
                },
            },
            ["natsBox"] = new JsonObject { ["enabled"] = false },
        }),
    ], []);

    private static ComponentRender CertManager(PlatformSpec spec)
    {
        var issuers = new[] { (CertificateIssuer.LetsencryptStaging, "https://acme-staging-v02.api.letsencrypt.org/directory"), (CertificateIssuer.LetsencryptProduction, "https://acme-v02.api.letsencrypt.org/directory") }
            .Select(i => (object)new Resource<ClusterIssuerSpec>("cert-manager.io/v1", "ClusterIssuer",
                Meta.Object(SpecBinder.Kebab(i.Item1.ToString()), null, "cert-manager", annotations: Meta.Wave(1)),
                new ClusterIssuerSpec(new AcmeIssuer(
                    $"hostmaster@{spec.Domains[0].Name}",
                    i.Item2,
                    new NameRef($"{SpecBinder.Kebab(i.Item1.ToString())}-account"),
                    // DNS-01: the load balancer answers HTTPS only, so HTTP-01 cannot reach Traefik.
                    [new AcmeSolver(new AcmeDns01(new Route53Solver(spec.Infra.Aws.Region,
                        new SecretKeyRef("cert-manager-route53", "access-key-id"),
                        new SecretKeyRef("cert-manager-route53", "secret-access-key"))))])))).ToList();
        return new ComponentRender("cert-manager",
        [
            Pins.CertManager.Source("cert-manager", new JsonObject
            {
                ["crds"] = new JsonObject { ["enabled"] = true, ["keep"] = true },
                ["replicaCount"] = 2,
                ["webhook"] = new JsonObject { ["replicaCount"] = 2 },
                ["cainjector"] = new JsonObject { ["replicaCount"] = 2 },
                ["podDisruptionBudget"] = new JsonObject { ["enabled"] = true, ["minAvailable"] = 1 },
                ["prometheus"] = new JsonObject { ["enabled"] = true, ["servicemonitor"] = new JsonObject { ["enabled"] = true } },
            }),
        ],
        [new ManifestFile("cluster-issuers.yaml", issuers)]);
    }

    /// <summary>The ForwardAuth middleware every <c>sso</c> route carries, and the headers of every route.</summary>
    public const string ForwardAuthMiddleware = "authentik";
    public const string HeadersMiddleware = "security-headers";

    private static ComponentRender Traefik(PlatformSpec spec)
    {
        var forwardAuth = new Resource<MiddlewareSpec>("traefik.io/v1alpha1", "Middleware",
            Meta.Object(ForwardAuthMiddleware, "traefik", "traefik", annotations: Meta.Wave(1)),
            new MiddlewareSpec(ForwardAuth: new ForwardAuth(
                $"http://{Meta.Dns("authentik-server", "authentik")}/outpost.goauthentik.io/auth/traefik",
                true,
                ["X-authentik-username", "X-authentik-groups", "X-authentik-entitlements", "X-authentik-email", "X-authentik-name", "X-authentik-uid", "X-authentik-jwt"])));
        var headers = new Resource<MiddlewareSpec>("traefik.io/v1alpha1", "Middleware",
            Meta.Object(HeadersMiddleware, "traefik", "traefik", annotations: Meta.Wave(1)),
            new MiddlewareSpec(Headers: new TraefikHeaders(true, 31536000, true, "strict-origin-when-cross-origin", true)));
        return new ComponentRender("traefik",
        [
            Pins.Traefik.Source("traefik", new JsonObject
            {
                ["deployment"] = new JsonObject { ["replicas"] = 2 },
                ["podDisruptionBudget"] = new JsonObject { ["enabled"] = true, ["maxUnavailable"] = 1 },
                // The Hetzner load balancer (Terraform's) forwards 443 to this node port with proxy protocol.
                ["service"] = new JsonObject { ["type"] = "NodePort" },
                ["ports"] = new JsonObject
                {
                    ["web"] = new JsonObject { ["expose"] = new JsonObject { ["default"] = false } },
                    ["websecure"] = new JsonObject
                    {
                        ["nodePort"] = 30443,
                        ["proxyProtocol"] = new JsonObject { ["trustedIPs"] = new JsonArray(spec.Infra.Hetzner.NetworkCidr) },
                        ["forwardedHeaders"] = new JsonObject { ["trustedIPs"] = new JsonArray(spec.Infra.Hetzner.NetworkCidr) },
                        ["http"] = new JsonObject { ["middlewares"] = new JsonArray($"traefik-{HeadersMiddleware}@kubernetescrd") },
                    },
                },
                ["providers"] = new JsonObject
                {
                    ["kubernetesCRD"] = new JsonObject { ["enabled"] = true, ["allowCrossNamespace"] = true },
                    ["kubernetesIngress"] = new JsonObject { ["enabled"] = false },
                },
                ["ingressRoute"] = new JsonObject { ["dashboard"] = new JsonObject { ["enabled"] = false } },
                ["logs"] = new JsonObject { ["access"] = new JsonObject { ["enabled"] = true, ["format"] = "json" } },
                ["metrics"] = new JsonObject { ["prometheus"] = new JsonObject { ["serviceMonitor"] = new JsonObject { ["enabled"] = true } } },
                ["globalArguments"] = new JsonArray(),
            }),
        ],
        [
            new ManifestFile("authentik-middleware.yaml", [forwardAuth]),
            new ManifestFile("security-headers.yaml", [headers]),
        ]);
    }

    private static ComponentRender Authentik(PlatformSpec spec) => new("authentik",
    [
        Pins.Authentik.Source("authentik", new JsonObject
        {
            ["global"] = new JsonObject
            {
                // AUTHENTIK_SECRET_KEY and AUTHENTIK_POSTGRESQL__PASSWORD, SOPS-encrypted in this folder.
                ["envFrom"] = new JsonArray(new JsonObject { ["secretRef"] = new JsonObject { ["name"] = "authentik-secrets" } }),
                ["env"] = new JsonArray(
                    // PgBouncer in transaction mode cannot hold server-side cursors across transactions.
                    new JsonObject { ["name"] = "AUTHENTIK_POSTGRESQL__DISABLE_SERVER_SIDE_CURSORS", ["value"] = "true" },
                    new JsonObject { ["name"] = "AUTHENTIK_REDIS__PASSWORD", ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = "redis-auth", ["key"] = "password" } } }),
            },
            ["authentik"] = new JsonObject
            {
                ["postgresql"] = new JsonObject { ["host"] = PostgresUrl, ["name"] = "authentik", ["user"] = "authentik", ["port"] = 5432 },
                ["redis"] = new JsonObject { ["host"] = RedisHost },
                ["error_reporting"] = new JsonObject { ["enabled"] = false },
            },
            ["server"] = new JsonObject
            {
                ["replicas"] = 2,
                ["pdb"] = new JsonObject { ["enabled"] = true },
                ["metrics"] = new JsonObject { ["enabled"] = true, ["serviceMonitor"] = new JsonObject { ["enabled"] = true } },
            },
            ["worker"] = new JsonObject { ["replicas"] = 2, ["pdb"] = new JsonObject { ["enabled"] = true } },
            ["postgresql"] = new JsonObject { ["enabled"] = false },
            ["redis"] = new JsonObject { ["enabled"] = false },
        }),
    ], []);

    /// <summary>ArgoCD leaves an Application's health out of its parent's; waves need it to wait on child apps.</summary>
    private const string ApplicationHealth = """
        hs = {}
        hs.status = "Progressing"
        hs.message = ""
        if obj.status ~= nil and obj.status.health ~= nil then
          hs.status = obj.status.health.status
          if obj.status.health.message ~= nil then
            hs.message = obj.status.health.message
          end
        end
        return hs
        """;

    /// <summary>The config management plugin that decrypts <c>*.sops.yaml</c> files with the KMS key.</summary>
    public const string SopsPlugin = "sops";

    private static readonly string[] OidcScopes = ["openid", "profile", "email", "groups"];

    /// <summary>Where people open ArgoCD: its route's host, or <c>argocd.</c> the first domain.</summary>
    public static string ArgoCdHost(PlatformSpec spec) => spec.Routes.FirstOrDefault(r => r.To == "argocd")?.Host ?? $"argocd.{spec.Domains[0].Name}";

    private static ComponentRender ArgoCd(PlatformSpec spec)
    {
        var domain = spec.Domains[0].Name;
        var host = ArgoCdHost(spec);
        var auth = spec.Routes.FirstOrDefault(r => r.To == "authentik")?.Host ?? $"auth.{domain}";
        var oidc = YamlWriter.Write(new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["name"] = "Authentik",
            ["issuer"] = $"https://{auth}/application/o/argocd/",
            ["clientID"] = "argocd",
            ["clientSecret"] = "$argocd-oidc:clientSecret",
            ["requestedScopes"] = OidcScopes,
        });
        return new ComponentRender("argocd",
        [
            Pins.ArgoCd.Source("argocd", new JsonObject
            {
                ["fullnameOverride"] = "argocd",
                ["global"] = new JsonObject { ["domain"] = host },
                ["configs"] = new JsonObject
                {
                    ["params"] = new JsonObject { ["server.insecure"] = true }, // TLS ends at Traefik
                    ["cm"] = new JsonObject
                    {
                        ["url"] = $"https://{host}",
                        ["admin.enabled"] = false,
                        ["oidc.config"] = oidc,
                        ["resource.customizations.health.argoproj.io_Application"] = ApplicationHealth,
                        ["application.resourceTrackingMethod"] = "annotation",
                    },
                    ["rbac"] = new JsonObject
                    {
                        ["policy.default"] = "role:readonly",
                        ["policy.csv"] = "g, helix-platform-admins, role:admin\n",
                        ["scopes"] = "[groups]",
                    },
                    ["cmp"] = new JsonObject
                    {
                        ["create"] = true,
                        ["plugins"] = new JsonObject
                        {
                            [SopsPlugin] = new JsonObject
                            {
                                ["generate"] = new JsonObject
                                {
                                    ["command"] = new JsonArray("sh", "-c"),
                                    ["args"] = new JsonArray("set -eu; for f in $(find . -name '*.yaml' | sort); do echo '---'; case \"$f\" in *.sops.yaml) sops --decrypt \"$f\";; *) cat \"$f\";; esac; done"),
                                },
                            },
                        },
                    },
                },
                ["notifications"] = Notifications(spec),
                ["controller"] = new JsonObject { ["replicas"] = 1, ["metrics"] = Metrics() },
                ["server"] = new JsonObject { ["replicas"] = 2, ["metrics"] = Metrics() },
                ["applicationSet"] = new JsonObject { ["replicas"] = 2 },
                ["dex"] = new JsonObject { ["enabled"] = false },
                ["redis-ha"] = new JsonObject { ["enabled"] = true },
                ["repoServer"] = new JsonObject
                {
                    ["replicas"] = 2,
                    ["metrics"] = Metrics(),
                    ["extraContainers"] = new JsonArray(new JsonObject
                    {
                        ["name"] = SopsPlugin,
                        ["image"] = Pins.SopsImage,
                        ["command"] = new JsonArray("/var/run/argocd/argocd-cmp-server"),
                        // AWS credentials of the IAM identity allowed to decrypt with the SOPS KMS key.
                        ["envFrom"] = new JsonArray(new JsonObject { ["secretRef"] = new JsonObject { ["name"] = "argocd-sops-kms" } }),
                        ["securityContext"] = new JsonObject { ["runAsNonRoot"] = true, ["runAsUser"] = 999, ["allowPrivilegeEscalation"] = false, ["readOnlyRootFilesystem"] = true },
                        ["volumeMounts"] = new JsonArray(
                            new JsonObject { ["mountPath"] = "/var/run/argocd", ["name"] = "var-files" },
                            new JsonObject { ["mountPath"] = "/home/argocd/cmp-server/plugins", ["name"] = "plugins" },
                            new JsonObject { ["mountPath"] = "/home/argocd/cmp-server/config/plugin.yaml", ["subPath"] = $"{SopsPlugin}.yaml", ["name"] = "argocd-cmp-cm" },
                            new JsonObject { ["mountPath"] = "/tmp", ["name"] = "cmp-tmp" }),
                    }),
                    ["volumes"] = new JsonArray(
                        new JsonObject { ["name"] = "argocd-cmp-cm", ["configMap"] = new JsonObject { ["name"] = "argocd-cmp-cm" } },
                        new JsonObject { ["name"] = "cmp-tmp", ["emptyDir"] = new JsonObject() }),
                },
            }),
        ], []);
    }

    /// <summary>ArgoCD Notifications' webhook service of the Remediation Service (its bearer token is in argocd-notifications-secret).</summary>
    public const string RemediationNotifier = "helix-remediation";

    /// <summary>
    /// ArgoCD Notifications posts to the Remediation Service on three triggers, for every application
    /// (a default subscription): the body is the service's notification format, version 1. The
    /// secret holding the token is the operator's (SOPS), so the chart does not create it.
    /// </summary>
    private static JsonObject Notifications(PlatformSpec spec)
    {
        var remediation = spec.Apps.FirstOrDefault(a => a.Kind == AppKind.Remediation);
        if (remediation is null)
        {
            return new JsonObject { ["enabled"] = false };
        }
        var host = ArgoCdHost(spec);
        var triggers = new (string Name, string Template, string When, string? OncePer)[]
        {
            ("on-health-degraded", "helix-remediation-health-degraded", "app.status.health.status == 'Degraded'", null),
            ("on-sync-failed", "helix-remediation-sync-failed", "app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']", null),
            ("on-deployed", "helix-remediation-deployed", "app.status.operationState != nil and app.status.operationState.phase in ['Succeeded'] and app.status.health.status == 'Healthy'", "app.status.operationState?.syncResult?.revision"),
        };
        var templates = new JsonObject();
        var triggerValues = new JsonObject();
        foreach (var (name, template, when, oncePer) in triggers)
        {
            // Go templates over the Application; an absent field renders empty, which the service reads as absent.
            var body = "{\"version\":\"1\",\"trigger\":\"" + name + "\",\"application\":\"{{.app.metadata.name}}\","
                + "\"revision\":\"{{.app.status.sync.revision}}\",\"health\":\"{{.app.status.health.status}}\",\"syncStatus\":\"{{.app.status.sync.status}}\","
                + "\"operationPhase\":\"{{with .app.status.operationState}}{{.phase}}{{end}}\","
                + "\"operationRevision\":\"{{with .app.status.operationState}}{{with .syncResult}}{{.revision}}{{end}}{{end}}\","
                + "\"finishedAt\":\"{{with .app.status.operationState}}{{.finishedAt}}{{end}}\"}";
            templates[$"template.{template}"] = YamlWriter.Write(new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["webhook"] = new Dictionary<string, object>(StringComparer.Ordinal)
                {
                    [RemediationNotifier] = new Dictionary<string, object>(StringComparer.Ordinal) { ["method"] = "POST", ["body"] = body },
                },
            });
            var trigger = new Dictionary<string, object>(StringComparer.Ordinal) { ["description"] = $"{name}, for the Remediation Service", ["send"] = new[] { template }, ["when"] = when };
            if (oncePer is not null)
            {
                trigger["oncePer"] = oncePer;
            }
            triggerValues[$"trigger.{name}"] = YamlWriter.Write(new[] { trigger });
        }
        return new JsonObject
        {
            ["enabled"] = true,
            ["argocdUrl"] = $"https://{host}",
            ["secret"] = new JsonObject { ["create"] = false },
            ["notifiers"] = new JsonObject
            {
                [$"service.webhook.{RemediationNotifier}"] = YamlWriter.Write(new Dictionary<string, object>(StringComparer.Ordinal)
                {
                    ["url"] = $"http://{Meta.Dns(remediation.Name, remediation.Namespace)}/v1/signals/argocd",
                    ["headers"] = new[]
                    {
                        new Dictionary<string, object>(StringComparer.Ordinal) { ["name"] = "Authorization", ["value"] = "Bearer $remediation-token" },
                        new Dictionary<string, object>(StringComparer.Ordinal) { ["name"] = "Content-Type", ["value"] = "application/json" },
                    },
                }),
            },
            ["templates"] = templates,
            ["triggers"] = triggerValues,
            ["subscriptions"] = new JsonArray(new JsonObject
            {
                ["recipients"] = new JsonArray(RemediationNotifier),
                ["triggers"] = new JsonArray([.. triggers.Select(t => (JsonNode)t.Name)]),
            }),
        };
    }

    private static JsonObject Metrics() => new() { ["enabled"] = true, ["serviceMonitor"] = new JsonObject { ["enabled"] = true } };

    private static ComponentRender Devtron(PlatformSpec spec)
    {
        var host = spec.Routes.FirstOrDefault(r => r.To == "devtron")?.Host ?? $"devtron.{spec.Domains[0].Name}";
        return new ComponentRender("devtroncd",
        [
            Pins.Devtron.Source("devtron", new JsonObject
            {
                ["installer"] = new JsonObject { ["modules"] = new JsonArray("cicd") },
                ["global"] = new JsonObject
                {
                    ["storageClass"] = StorageClass,
                    // The platform's CNPG cluster through its pooler, not the chart's own PostgreSQL.
                    ["externalPostgres"] = new JsonObject { ["enabled"] = true, ["PG_ADDR"] = PostgresUrl, ["PG_PORT"] = "5432", ["PG_USER"] = "devtron", ["PG_DATABASE"] = "devtron" },
                },
                ["argo-cd"] = new JsonObject { ["enabled"] = false }, // the platform's ArgoCD (step 4) is Devtron's
                ["components"] = new JsonObject
                {
                    ["devtron"] = new JsonObject { ["ingress"] = new JsonObject { ["enabled"] = false } },
                },
                ["configs"] = new JsonObject { ["BASE_URL_SCHEME"] = "https", ["BASE_URL"] = host, ["PROMETHEUS_URL"] = $"http://{Meta.Dns("monitoring-prometheus", "monitoring")}:9090" },
            }),
        ], []);
    }

    private static ComponentRender Observability(PlatformSpec spec)
    {
        var obs = spec.Observability;
        var grafanaHost = spec.Routes.FirstOrDefault(r => r.To == "grafana")?.Host ?? $"grafana.{spec.Domains[0].Name}";
        var remediation = spec.Apps.FirstOrDefault(a => a.Kind == AppKind.Remediation);
        var receivers = new JsonArray(new JsonObject { ["name"] = "null" });
        var routes = new JsonArray();
        if (remediation is not null)
        {
            // Alerts naming an application go to the Remediation Service (its own bearer token).
            receivers.Add(new JsonObject
            {
                ["name"] = "remediation",
                ["webhook_configs"] = new JsonArray(new JsonObject
                {
                    ["url"] = $"http://{Meta.Dns(remediation.Name, remediation.Namespace)}/v1/signals/alertmanager",
                    ["send_resolved"] = true,
                    ["http_config"] = new JsonObject { ["authorization"] = new JsonObject { ["credentials_file"] = "/etc/alertmanager/secrets/remediation-webhook/token" } },
                }),
            });
            routes.Add(new JsonObject { ["receiver"] = "remediation", ["matchers"] = new JsonArray($"{Workloads.ApplicationLabel}=~\".+\""), ["continue"] = true });
        }
        var dashboard = new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = Meta.Object("helix-dashboards", "monitoring", "observability", new Dictionary<string, string> { ["grafana_dashboard"] = "1" }),
            Data = new Dictionary<string, string> { ["helix-services.json"] = Dashboards.HelixServices() },
        };
        return new ComponentRender("monitoring",
        [
            Pins.PrometheusStack.Source("monitoring", new JsonObject
            {
                ["fullnameOverride"] = "monitoring",
                ["prometheus"] = new JsonObject
                {
                    ["prometheusSpec"] = new JsonObject
                    {
                        ["replicas"] = 2,
                        ["retention"] = obs.MetricsRetention,
                        ["serviceMonitorSelectorNilUsesHelmValues"] = false,
                        ["podMonitorSelectorNilUsesHelmValues"] = false,
                        ["ruleSelectorNilUsesHelmValues"] = false,
                        ["storageSpec"] = Volume(obs.MetricsStorage),
                    },
                },
                ["alertmanager"] = new JsonObject
                {
                    ["alertmanagerSpec"] = new JsonObject
                    {
                        ["replicas"] = 2,
                        ["secrets"] = remediation is null ? new JsonArray() : new JsonArray("remediation-webhook"),
                    },
                    ["config"] = new JsonObject
                    {
                        ["route"] = new JsonObject { ["receiver"] = "null", ["group_by"] = new JsonArray("alertname", Workloads.ApplicationLabel), ["routes"] = routes },
                        ["receivers"] = receivers,
                    },
                },
                ["grafana"] = new JsonObject
                {
                    ["admin"] = new JsonObject { ["existingSecret"] = "grafana-admin" },
                    // Behind Authentik ForwardAuth: the user Authentik vouched for is the Grafana user.
                    ["grafana.ini"] = new JsonObject
                    {
                        ["server"] = new JsonObject { ["root_url"] = $"https://{grafanaHost}" },
                        ["auth.proxy"] = new JsonObject { ["enabled"] = true, ["header_name"] = "X-authentik-username", ["header_property"] = "username", ["auto_sign_up"] = true },
                    },
                    ["additionalDataSources"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "Loki",
                        ["type"] = "loki",
                        ["uid"] = "loki",
                        ["access"] = "proxy",
                        ["url"] = $"http://{Meta.Dns("loki-gateway", "monitoring")}",
                    }),
                    ["sidecar"] = new JsonObject { ["dashboards"] = new JsonObject { ["enabled"] = true, ["label"] = "grafana_dashboard" } },
                },
            }),
            Pins.Loki.Source("loki", new JsonObject
            {
                ["deploymentMode"] = "SingleBinary",
                ["loki"] = new JsonObject
                {
                    ["auth_enabled"] = false,
                    ["commonConfig"] = new JsonObject { ["replication_factor"] = 1 },
                    ["storage"] = new JsonObject { ["type"] = "filesystem" },
                    ["schemaConfig"] = new JsonObject
                    {
                        ["configs"] = new JsonArray(new JsonObject
                        {
                            ["from"] = "2025-01-01",
                            ["store"] = "tsdb",
                            ["object_store"] = "filesystem",
                            ["schema"] = "v13",
                            ["index"] = new JsonObject { ["prefix"] = "index_", ["period"] = "24h" },
                        }),
                    },
                    ["limits_config"] = new JsonObject { ["retention_period"] = Hours(obs.LogsRetention) },
                    ["compactor"] = new JsonObject { ["retention_enabled"] = true, ["delete_request_store"] = "filesystem" },
                },
                ["singleBinary"] = new JsonObject
                {
                    ["replicas"] = 1,
                    ["persistence"] = new JsonObject { ["size"] = obs.MetricsStorage, ["storageClass"] = StorageClass },
                },
                ["backend"] = new JsonObject { ["replicas"] = 0 },
                ["read"] = new JsonObject { ["replicas"] = 0 },
                ["write"] = new JsonObject { ["replicas"] = 0 },
                ["chunksCache"] = new JsonObject { ["enabled"] = false },
                ["resultsCache"] = new JsonObject { ["enabled"] = false },
                ["lokiCanary"] = new JsonObject { ["enabled"] = false },
                ["test"] = new JsonObject { ["enabled"] = false },
            }),
            Pins.Alloy.Source("alloy", new JsonObject
            {
                ["alloy"] = new JsonObject
                {
                    ["configMap"] = new JsonObject { ["content"] = AlloyConfig },
                    ["mounts"] = new JsonObject { ["varlog"] = true },
                },
                ["controller"] = new JsonObject { ["type"] = "daemonset" },
            }),
        ],
        [new ManifestFile("dashboards.yaml", [dashboard])]);
    }

    /// <summary>Ships every pod's logs to Loki, labelled by namespace, pod and container.</summary>
    private const string AlloyConfig = """
        discovery.kubernetes "pods" {
          role = "pod"
        }

        discovery.relabel "pods" {
          targets = discovery.kubernetes.pods.targets
          rule {
            source_labels = ["__meta_kubernetes_namespace"]
            target_label  = "namespace"
          }
          rule {
            source_labels = ["__meta_kubernetes_pod_name"]
            target_label  = "pod"
          }
          rule {
            source_labels = ["__meta_kubernetes_pod_container_name"]
            target_label  = "container"
          }
        }

        loki.source.kubernetes "pods" {
          targets    = discovery.relabel.pods.output
          forward_to = [loki.write.default.receiver]
        }

        loki.write "default" {
          endpoint {
            url = "http://loki-gateway.monitoring.svc.cluster.local/loki/api/v1/push"
          }
        }
        """;

    private static ComponentRender Policies() => new("kyverno",
    [
        Pins.Kyverno.Source("kyverno", new JsonObject
        {
            ["admissionController"] = new JsonObject { ["replicas"] = 3, ["serviceMonitor"] = new JsonObject { ["enabled"] = true } },
            ["backgroundController"] = new JsonObject { ["replicas"] = 2, ["serviceMonitor"] = new JsonObject { ["enabled"] = true } },
            ["cleanupController"] = new JsonObject { ["replicas"] = 2, ["serviceMonitor"] = new JsonObject { ["enabled"] = true } },
            ["reportsController"] = new JsonObject { ["replicas"] = 2, ["serviceMonitor"] = new JsonObject { ["enabled"] = true } },
        }),
    ], []);

    private static JsonObject Volume(string size) => new()
    {
        ["volumeClaimTemplate"] = new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["storageClassName"] = StorageClass,
                ["accessModes"] = new JsonArray("ReadWriteOnce"),
                ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = size } },
            },
        },
    };

    /// <summary>Loki wants retention in hours: <c>14d</c> becomes <c>336h</c>.</summary>
    internal static string Hours(string duration) =>
        duration.EndsWith('d') && int.TryParse(duration[..^1], System.Globalization.CultureInfo.InvariantCulture, out var days)
            ? $"{days * 24}h"
            : duration;

    private static JsonObject Json(IReadOnlyDictionary<string, string> map)
    {
        var o = new JsonObject();
        foreach (var (key, value) in map)
        {
            o[key] = value;
        }
        return o;
    }

    private static JsonArray JsonArray(IEnumerable<V1Toleration> tolerations) =>
        new(tolerations.Select(t => (JsonNode)new JsonObject { ["key"] = t.Key, ["operator"] = t.OperatorProperty, ["value"] = t.Value, ["effect"] = t.Effect }).ToArray());
}
