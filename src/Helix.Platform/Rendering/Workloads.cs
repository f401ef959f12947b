using Helix.Platform.Model;
using Helix.Platform.Spec;
using k8s.Models;

namespace Helix.Platform.Rendering;

/// <summary>
/// Workloads Helix writes itself: its own services (webhook receiver, orchestrator, remediation),
/// Ollama and the Steel browser farm, and each tenant's namespace with its quota and project.
/// </summary>
internal static class Workloads
{
    /// <summary>The uid of the non-root <c>app</c> user in .NET's container images.</summary>
    private const long DotNetAppUser = 1654;
    private const long OtherUser = 1000;

    public const string WebhookSecretsRoot = "/var/run/secrets/helix/webhooks";

    /// <summary>Where the Remediation Service's Secret (<c>remediation</c>) is mounted; its keys are named below.</summary>
    public const string RemediationSecretsRoot = "/var/run/secrets/helix/remediation";

    /// <summary>The Secret an operator creates (SOPS) for the Remediation Service.</summary>
    public const string RemediationSecret = "remediation";

    /// <summary>The alert label naming the ArgoCD application: Alertmanager routes on it, the service reads it.</summary>
    public const string ApplicationLabel = "helix_app";

    private const string RemediationWork = "/var/lib/helix-remediation";

    /// <summary>Where the Orchestrator's Secret (<c>orchestrator</c>: <c>database-password</c>, <c>redis-password</c>) is mounted.</summary>
    public const string OrchestratorSecretsRoot = "/var/run/secrets/helix/orchestrator";

    public const string OrchestratorSecret = "orchestrator";

    public static ComponentRender Render(PlatformModel model, AppSpec app) => app.Kind switch
    {
        AppKind.Ollama => Ollama(app),
        AppKind.Steel => Steel(app),
        _ => HelixService(model.Spec, app),
    };

    /// <summary>The port a Service of the app listens on (what Traefik routes to).</summary>
    public static int ServicePort(AppSpec app) => app.Kind switch
    {
        AppKind.Ollama => 11434,
        AppKind.Steel => 3000,
        _ => 80,
    };

    /// <summary>
    /// The service's configuration, as environment variables named after its options keys
    /// (<c>Section__Key</c>); tests bind them with the service's own options classes.
    /// </summary>
    public static List<V1EnvVar> Environment(PlatformSpec spec, AppSpec app)
    {
        var env = new List<V1EnvVar>
        {
            Env("ASPNETCORE_HTTP_PORTS", "8080"),
            Env("OTEL_SERVICE_NAME", app.Name),
        };
        if (app.Kind is AppKind.WebhookReceiver or AppKind.Orchestrator)
        {
            env.Add(Env("Nats__Url", PlatformComponents.NatsUrl(spec)));
            env.Add(Env("Events__Replicas", Math.Min(spec.Nats.Replicas, 3).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        if (app.Kind == AppKind.WebhookReceiver)
        {
            foreach (var source in app.Webhooks)
            {
                env.Add(Env($"Receiver__Sources__{source.Name}__Scheme", ReceiverScheme(source.Scheme)));
                env.Add(Env($"Receiver__Sources__{source.Name}__Secrets__0", $"file:{WebhookSecretsRoot}/{source.Name}/secret"));
            }
        }
        if (app.Kind == AppKind.Remediation)
        {
            env.AddRange(RemediationEnvironment(spec, app));
        }
        if (app.Kind == AppKind.Orchestrator)
        {
            env.AddRange(OrchestratorEnvironment(spec, app));
        }
        return env;
    }

    private static IEnumerable<V1EnvVar> OrchestratorEnvironment(PlatformSpec spec, AppSpec app)
    {
        for (var i = 0; i < app.Events.Count; i++)
        {
            yield return Env($"Orchestrator__Routes__{i}__Source", app.Events[i].Source);
            yield return Env($"Orchestrator__Routes__{i}__EventType", app.Events[i].Type);
            yield return Env($"Orchestrator__Routes__{i}__Workflow", app.Events[i].Workflow);
        }
        foreach (var variable in DatabaseEnvironment(app, OrchestratorSecretsRoot))
        {
            yield return variable;
        }
        // The CNPG pooler keeps prepared statements per server connection (max_prepared_statements).
        yield return Env("Database__PoolerPreparesStatements", "true");
        yield return Env("Redis__Configuration", $"{PlatformComponents.RedisHost}:6379");
        yield return Env("Redis__Password", SecretFile(OrchestratorSecretsRoot, "redis-password"));
        if (spec.Apps.FirstOrDefault(a => a.Kind == AppKind.Ollama) is { } ollama)
        {
            yield return Env("Ollama__Url", $"http://{Meta.Dns(ollama.Name, ollama.Namespace)}:{ServicePort(ollama)}");
        }
        if (spec.Apps.FirstOrDefault(a => a.Kind == AppKind.Steel) is { } steel)
        {
            yield return Env("Steel__Url", $"http://{Meta.Dns(steel.Name, steel.Namespace)}:{ServicePort(steel)}");
        }
    }

    private static IEnumerable<V1EnvVar> RemediationEnvironment(PlatformSpec spec, AppSpec app)
    {
        var remediation = app.Remediation ?? new RemediationSpec();
        var repository = new Uri(spec.GitOps.RepoUrl);
        var segments = repository.AbsolutePath.Trim('/').Split('/');
        string Secret(string key) => SecretFile(RemediationSecretsRoot, key);
        yield return Env("Remediation__Mode", remediation.Mode.ToString());
        yield return Env("Remediation__AutoMerge", remediation.AutoMerge ? "true" : "false");
        yield return Env("Remediation__Cooldown", SpecLoader.ParseDuration(remediation.Cooldown).ToString("c", System.Globalization.CultureInfo.InvariantCulture));
        yield return Env("Remediation__ApplicationLabel", ApplicationLabel);
        yield return Env("Remediation__WorkDirectory", $"{RemediationWork}/gitops");
        yield return Env("Signals__AlertmanagerTokens__0", Secret("alertmanager-token"));
        yield return Env("Signals__ArgoCdTokens__0", Secret("argocd-notifications-token"));
        yield return Env("ArgoCd__Url", $"http://{Meta.Dns("argocd-server", "argocd")}");
        yield return Env("ArgoCd__Token", Secret("argocd-token"));
        yield return Env("ArgoCd__PublicUrl", $"https://{PlatformComponents.ArgoCdHost(spec)}/");
        yield return Env("Git__Url", spec.GitOps.RepoUrl);
        yield return Env("Git__Branch", spec.GitOps.Branch);
        yield return Env("Git__Token", Secret("git-token"));
        // github.com takes GitHub's API; any other host is taken for Gitea or Forgejo at its root.
        if (repository.Host == "github.com")
        {
            yield return Env("PullRequests__Provider", "GitHub");
        }
        else
        {
            yield return Env("PullRequests__Provider", "Gitea");
            yield return Env("PullRequests__ApiUrl", $"{repository.Scheme}://{repository.Authority}/");
        }
        yield return Env("PullRequests__Owner", segments[0]);
        yield return Env("PullRequests__Repository", segments[^1].EndsWith(".git", StringComparison.Ordinal) ? segments[^1][..^4] : segments[^1]);
        foreach (var variable in DatabaseEnvironment(app, RemediationSecretsRoot))
        {
            yield return variable;
        }
    }

    /// <summary>A service's own database (named after it, its role too): through the pooler, direct to the primary for migrations, the password from its Secret.</summary>
    private static IEnumerable<V1EnvVar> DatabaseEnvironment(AppSpec app, string secretsRoot)
    {
        string Database(string host) => $"Host={host};Port=5432;Database={app.Name.Replace('-', '_')};Username={app.Name};SSL Mode=Require";
        yield return Env("Database__ConnectionString", Database(PlatformComponents.PostgresUrl));
        yield return Env("Database__MigrationConnectionString", Database(Meta.Dns($"{PlatformComponents.PostgresCluster}-rw", "postgres")));
        yield return Env("Database__Password", SecretFile(secretsRoot, "database-password"));
    }

    private static string SecretFile(string root, string key) => $"file:{root}/{key}";

    /// <summary>The Secret a service of Helix's own reads its credentials from, and where it is mounted; none for the receiver (one per webhook).</summary>
    private static (string Name, string Root)? ServiceSecret(AppSpec app) => app.Kind switch
    {
        AppKind.Orchestrator => (OrchestratorSecret, OrchestratorSecretsRoot),
        AppKind.Remediation => (RemediationSecret, RemediationSecretsRoot),
        _ => null,
    };

    /// <summary>The receiver's name for a signing scheme (its <c>SchemeKind</c>).</summary>
    private static string ReceiverScheme(WebhookScheme scheme) => scheme switch
    {
        WebhookScheme.StandardWebhooks => "StandardWebhooks",
        WebhookScheme.Github => "GitHub",
        WebhookScheme.Stripe => "Stripe",
        WebhookScheme.Slack => "Slack",
        WebhookScheme.Shopify => "Shopify",
        _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, null),
    };

    private static ComponentRender HelixService(PlatformSpec spec, AppSpec app)
    {
        var labels = Selector(app);
        var volumes = new List<V1Volume> { new() { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("64Mi") } } };
        var mounts = new List<V1VolumeMount> { new() { Name = "tmp", MountPath = "/tmp" } };
        foreach (var source in app.Webhooks)
        {
            volumes.Add(new V1Volume { Name = $"webhook-{source.Name}", Secret = new V1SecretVolumeSource { SecretName = source.Secret, DefaultMode = 288 } /* 0440: owner and group read */ });
            mounts.Add(new V1VolumeMount { Name = $"webhook-{source.Name}", MountPath = $"{WebhookSecretsRoot}/{source.Name}", ReadOnlyProperty = true });
        }
        if (ServiceSecret(app) is var (secret, root))
        {
            volumes.Add(new V1Volume { Name = "secrets", Secret = new V1SecretVolumeSource { SecretName = secret, DefaultMode = 288 } });
            mounts.Add(new V1VolumeMount { Name = "secrets", MountPath = root, ReadOnlyProperty = true });
        }
        if (app.Kind == AppKind.Remediation)
        {
            // The working clone of the GitOps repository; re-cloned after a restart.
            volumes.Add(new V1Volume { Name = "work", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("2Gi") } });
            mounts.Add(new V1VolumeMount { Name = "work", MountPath = RemediationWork });
        }
        var container = new V1Container
        {
            Name = app.Name,
            Image = app.Image,
            Ports = [new V1ContainerPort { Name = "http", ContainerPort = 8080, Protocol = "TCP" }],
            Env = Environment(spec, app),
            Resources = Resources(app.Resources),
            // Liveness only restarts a wedged process; readiness also turns false while draining.
            LivenessProbe = Http("/healthz", 10, 3),
            ReadinessProbe = Http("/readyz", 5, 2),
            StartupProbe = Http("/healthz", 2, 30),
            SecurityContext = Restricted(DotNetAppUser),
            VolumeMounts = mounts,
        };
        // Drain delay (5 s) plus the in-flight timeout (30 s), with margin; no pod goes before its replacement is ready.
        var deployment = Deployment(app, PodSpec(app, NodeRole.Compute, [container], volumes, DotNetAppUser, terminationGrace: 45),
            new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = "25%", MaxUnavailable = 0 } });
        var objects = new List<ManifestFile>
        {
            new("service-account.yaml", [ServiceAccount(app)]),
            new("deployment.yaml", [deployment]),
            new("service.yaml", [Service(app, 80, "http")]),
            new("pod-disruption-budget.yaml", [Pdb(app)]),
            new("horizontal-pod-autoscaler.yaml", [Hpa(app)]),
            new("service-monitor.yaml", [new Resource<ServiceMonitorSpec>("monitoring.coreos.com/v1", "ServiceMonitor",
                Meta.Object(app.Name, app.Namespace, app.Name),
                new ServiceMonitorSpec(new V1LabelSelector { MatchLabels = labels }, [new MonitorEndpoint("http", "/metrics", "30s")]))]),
        };
        return new ComponentRender(app.Namespace, [], objects);
    }

    private static ComponentRender Ollama(AppSpec app)
    {
        var labels = Selector(app);
        var container = new V1Container
        {
            Name = "ollama",
            Image = app.Image,
            Ports = [new V1ContainerPort { Name = "http", ContainerPort = 11434, Protocol = "TCP" }],
            Env =
            [
                Env("OLLAMA_HOST", "0.0.0.0:11434"),
                Env("OLLAMA_MODELS", "/models"),
                Env("HOME", "/models"),
                Env("OLLAMA_KEEP_ALIVE", "30m"),
            ],
            Resources = Resources(app.Resources),
            LivenessProbe = Http("/", 10, 3, "http"),
            ReadinessProbe = Http("/", 5, 2, "http"),
            SecurityContext = Restricted(OtherUser),
            VolumeMounts = [new() { Name = "models", MountPath = "/models" }, new() { Name = "tmp", MountPath = "/tmp" }],
        };
        var statefulSet = new V1StatefulSet
        {
            ApiVersion = "apps/v1",
            Kind = "StatefulSet",
            Metadata = Meta.Object(app.Name, app.Namespace, app.Name),
            Spec = new V1StatefulSetSpec
            {
                ServiceName = app.Name,
                Replicas = app.Replicas,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = PodSpec(app, NodeRole.Compute, [container], [new() { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() }], OtherUser, terminationGrace: 30),
                },
                VolumeClaimTemplates =
                [
                    new V1PersistentVolumeClaim
                    {
                        Metadata = new V1ObjectMeta { Name = "models" },
                        Spec = new V1PersistentVolumeClaimSpec
                        {
                            AccessModes = ["ReadWriteOnce"],
                            StorageClassName = PlatformComponents.StorageClass,
                            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(app.Storage ?? "50Gi") } },
                        },
                    },
                ],
            },
        };
        return new ComponentRender(app.Namespace, [],
        [
            new("service-account.yaml", [ServiceAccount(app)]),
            new("stateful-set.yaml", [statefulSet]),
            new("service.yaml", [Service(app, 11434, "http")]),
            new("pod-disruption-budget.yaml", [Pdb(app)]),
        ]);
    }

    private static ComponentRender Steel(AppSpec app)
    {
        var container = new V1Container
        {
            Name = "steel",
            Image = app.Image,
            Ports = [new V1ContainerPort { Name = "http", ContainerPort = 3000, Protocol = "TCP" }],
            Env = [Env("HOST", "0.0.0.0"), Env("PORT", "3000"), Env("CHROME_HEADLESS", "true")],
            Resources = Resources(app.Resources),
            LivenessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = "http" }, PeriodSeconds = 10, FailureThreshold = 3 },
            ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = "http" }, PeriodSeconds = 5, FailureThreshold = 2 },
            // Chromium writes its profile and caches: the root file system stays writable, the user does not.
            SecurityContext = Restricted(OtherUser, readOnlyRoot: false),
            VolumeMounts = [new() { Name = "dshm", MountPath = "/dev/shm" }],
        };
        var deployment = Deployment(app, PodSpec(app, NodeRole.Compute, [container],
            [new() { Name = "dshm", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity("1Gi") } }], OtherUser, terminationGrace: 30));
        return new ComponentRender(app.Namespace, [],
        [
            new("service-account.yaml", [ServiceAccount(app)]),
            new("deployment.yaml", [deployment]),
            new("service.yaml", [Service(app, 3000, "http")]),
            new("pod-disruption-budget.yaml", [Pdb(app)]),
        ]);
    }

    /// <summary>A tenant: its namespace in its zone, quota, default limits and an ArgoCD project fenced to it.</summary>
    public static ComponentRender Tenant(PlatformModel model, TenantSpec tenant)
    {
        var spec = model.Spec;
        var ns = new V1Namespace
        {
            ApiVersion = "v1",
            Kind = "Namespace",
            Metadata = Meta.Object(tenant.Name, null, ModelBuilder.TenantApplication(tenant.Name), NamespaceLabels(tenant.Zone, "restricted", new Dictionary<string, string> { ["helix.io/tenant"] = tenant.Name, ["helix.io/team"] = tenant.Team })),
        };
        var quota = new V1ResourceQuota
        {
            ApiVersion = "v1",
            Kind = "ResourceQuota",
            Metadata = Meta.Object("tenant-quota", tenant.Name, ModelBuilder.TenantApplication(tenant.Name)),
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
            Metadata = Meta.Object("tenant-defaults", tenant.Name, ModelBuilder.TenantApplication(tenant.Name)),
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
            Meta.Object(ModelBuilder.TenantApplication(tenant.Name), "argocd", ModelBuilder.TenantApplication(tenant.Name)),
            new AppProjectSpec(
                $"Tenant {tenant.Name} (team {tenant.Team}): Devtron deploys its workloads into namespace {tenant.Name} only",
                [OrganisationRepos(spec.GitOps.RepoUrl)],
                [new ApplicationDestination(Meta.InCluster, tenant.Name)],
                [],
                GitOpsRenderer.PlatformOwnedKinds));
        return new ComponentRender(tenant.Name, [],
        [
            new("namespace.yaml", [ns]),
            new("resource-quota.yaml", [quota]),
            new("limit-range.yaml", [limits]),
            new("app-project.yaml", [project]),
            new("network-policies.yaml", NetworkPolicies.ForNamespace(model, tenant.Name)),
            new("devtron-environment.yaml", [DevtronEnvironment(tenant)]),
        ])
        { Cascade = true };
    }

    /// <summary>The body of Devtron's <c>POST /orchestrator/env</c> (its <c>EnvironmentBean</c>); cluster 1 is Devtron's own cluster.</summary>
    internal sealed record DevtronEnvironmentRequest(
        [property: System.Text.Json.Serialization.JsonPropertyName("environment_name")] string EnvironmentName,
        [property: System.Text.Json.Serialization.JsonPropertyName("cluster_id")] int ClusterId,
        [property: System.Text.Json.Serialization.JsonPropertyName("namespace")] string Namespace,
        [property: System.Text.Json.Serialization.JsonPropertyName("active")] bool Active,
        [property: System.Text.Json.Serialization.JsonPropertyName("default")] bool Default);

    /// <summary>Creates the tenant's Devtron environment after each sync, once: Devtron keeps environments in its database, behind its API.</summary>
    private static V1Job DevtronEnvironment(TenantSpec tenant)
    {
        var body = System.Text.Json.JsonSerializer.Serialize(new DevtronEnvironmentRequest(tenant.Name, 1, tenant.Name, true, false));
        const string Script = """
            set -eu
            api=http://devtron-service.devtroncd.svc.cluster.local/orchestrator
            status=$(curl -sS -o /tmp/env.json -w '%{http_code}' -H "token: $DEVTRON_TOKEN" "$api/env/name?environment=$ENVIRONMENT")
            if [ "$status" = 200 ] && grep -q '"environment_name"' /tmp/env.json; then
              echo "Devtron environment $ENVIRONMENT exists"
              exit 0
            fi
            curl -sS --fail-with-body -X POST -H "token: $DEVTRON_TOKEN" -H 'Content-Type: application/json' -d "$BODY" "$api/env"
            echo "Devtron environment $ENVIRONMENT created"
            """;
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = Meta.Object($"devtron-environment-{tenant.Name}", "devtroncd", ModelBuilder.TenantApplication(tenant.Name), annotations: new Dictionary<string, string>
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
                                Name = "create-environment",
                                Image = Pins.CurlImage,
                                Command = ["sh", "-c", Script],
                                Env =
                                [
                                    Env("ENVIRONMENT", tenant.Name),
                                    Env("BODY", body),
                                    new V1EnvVar { Name = "DEVTRON_TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "devtron-api-token", Key = "token" } } },
                                ],
                                Resources = Resources(new ResourcesSpec { Cpu = "10m", Memory = "16Mi", MemoryLimit = "64Mi" }),
                                SecurityContext = Restricted(CurlUser),
                                VolumeMounts = [new V1VolumeMount { Name = "tmp", MountPath = "/tmp" }],
                            },
                        ],
                        Volumes = [new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() }],
                    },
                },
            },
        };
    }

    /// <summary>The <c>curl_user</c> of the curl image.</summary>
    private const long CurlUser = 100;

    /// <summary>Every repository of the GitOps repository's owner: where Devtron keeps tenants' GitOps repos.</summary>
    internal static string OrganisationRepos(string repoUrl)
    {
        var slash = repoUrl.TrimEnd('/').LastIndexOf('/');
        return slash > "https://".Length ? repoUrl[..(slash + 1)] + "*" : repoUrl;
    }

    /// <summary>Labels of a namespace: its zone and its Pod Security level.</summary>
    public static Dictionary<string, string> NamespaceLabels(string zone, string podSecurity, IDictionary<string, string>? extra = null)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Meta.ZoneLabel] = zone,
            ["pod-security.kubernetes.io/enforce"] = podSecurity,
            ["pod-security.kubernetes.io/warn"] = "restricted",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            labels[key] = value;
        }
        return labels;
    }

    private static V1Deployment Deployment(AppSpec app, V1PodSpec pod, V1DeploymentStrategy? strategy = null) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = Meta.Object(app.Name, app.Namespace, app.Name),
        Spec = new V1DeploymentSpec
        {
            Replicas = app.Replicas,
            Selector = new V1LabelSelector { MatchLabels = Selector(app) },
            Strategy = strategy,
            Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = Selector(app) }, Spec = pod },
        },
    };

    private static V1EnvVar Env(string name, string value) => new() { Name = name, Value = value };

    private static Dictionary<string, string> Selector(AppSpec app) => new(StringComparer.Ordinal)
    {
        ["app.kubernetes.io/name"] = app.Name,
        ["app.kubernetes.io/part-of"] = "helix",
    };

    private static V1PodSpec PodSpec(AppSpec app, NodeRole role, List<V1Container> containers, List<V1Volume> volumes, long user, long terminationGrace) => new()
    {
        ServiceAccountName = app.Name,
        AutomountServiceAccountToken = false,
        NodeSelector = Meta.NodeSelector(role),
        Tolerations = Meta.Tolerations(role) is { Count: > 0 } tolerations ? tolerations : null,
        SecurityContext = new V1PodSecurityContext
        {
            RunAsNonRoot = true,
            RunAsUser = user,
            RunAsGroup = user,
            FsGroup = user,
            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
        },
        TopologySpreadConstraints =
        [
            new V1TopologySpreadConstraint
            {
                MaxSkew = 1,
                TopologyKey = "kubernetes.io/hostname",
                WhenUnsatisfiable = "ScheduleAnyway",
                LabelSelector = new V1LabelSelector { MatchLabels = Selector(app) },
            },
        ],
        TerminationGracePeriodSeconds = terminationGrace,
        Containers = containers,
        Volumes = volumes,
    };

    private static V1SecurityContext Restricted(long user, bool readOnlyRoot = true) => new()
    {
        RunAsNonRoot = true,
        RunAsUser = user,
        AllowPrivilegeEscalation = false,
        ReadOnlyRootFilesystem = readOnlyRoot,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
    };

    private static V1ResourceRequirements Resources(ResourcesSpec resources) => new()
    {
        // No CPU limit: throttling hurts latency, and requests already decide scheduling.
        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(resources.Cpu), ["memory"] = new(resources.Memory) },
        Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new(resources.MemoryLimit) },
    };

    private static V1Probe Http(string path, int period, int failures, string port = "http") => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = port },
        PeriodSeconds = period,
        FailureThreshold = failures,
        TimeoutSeconds = 2,
    };

    private static V1ServiceAccount ServiceAccount(AppSpec app) => new()
    {
        ApiVersion = "v1",
        Kind = "ServiceAccount",
        Metadata = Meta.Object(app.Name, app.Namespace, app.Name),
        AutomountServiceAccountToken = false,
    };

    private static V1Service Service(AppSpec app, int port, string targetPort) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = Meta.Object(app.Name, app.Namespace, app.Name),
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            Selector = Selector(app),
            Ports = [new V1ServicePort { Name = "http", Port = port, TargetPort = targetPort, Protocol = "TCP" }],
        },
    };

    private static V1PodDisruptionBudget Pdb(AppSpec app) => new()
    {
        ApiVersion = "policy/v1",
        Kind = "PodDisruptionBudget",
        Metadata = Meta.Object(app.Name, app.Namespace, app.Name),
        Spec = new V1PodDisruptionBudgetSpec
        {
            Selector = new V1LabelSelector { MatchLabels = Selector(app) },
            // One replica: a drain may move it; more: never fewer than all but one.
            MaxUnavailable = 1,
        },
    };

    private static V2HorizontalPodAutoscaler Hpa(AppSpec app) => new()
    {
        ApiVersion = "autoscaling/v2",
        Kind = "HorizontalPodAutoscaler",
        Metadata = Meta.Object(app.Name, app.Namespace, app.Name),
        Spec = new V2HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = app.Name },
            MinReplicas = app.Replicas,
            MaxReplicas = Math.Max(app.Replicas * 3, 3),
            Metrics =
            [
                new V2MetricSpec
                {
                    Type = "Resource",
                    Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = 70 } },
                },
            ],
        },
    };
}
