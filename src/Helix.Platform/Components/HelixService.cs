using System.Text.Json;
using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;
using k8s.Models;

namespace Helix.Platform.Components;

/// <summary>
/// What Helix's own services (seed step 8) share: a hardened Deployment of the .NET image, probes
/// on <c>/healthz</c> and <c>/readyz</c>, a Service, a PodDisruptionBudget, an HPA and a
/// ServiceMonitor, their configuration as environment named after their options keys
/// (<c>Section__Key</c>), and the Secret of their own mounted read-only.
/// </summary>
internal abstract class HelixService(AppSpec app) : IComponent
{
    /// <summary>The port every service listens on; its Service answers on <see cref="ServicePort"/>.</summary>
    public const int HttpPort = 8080;
    public const int ServicePort = 80;

    protected AppSpec App { get; } = app;

    /// <summary>Parts it waits for (Kyverno always: its images are checked before it starts).</summary>
    protected abstract IReadOnlyList<string> DependsOn { get; }

    protected virtual IEnumerable<Flow> Flows(PlatformSpec spec) => [];

    /// <summary>World egress of a service that is not an egress app (which leaves through the gateway).</summary>
    protected virtual IEnumerable<PeerFlow> WorldEgress(PlatformSpec spec) => [];

    protected virtual IEnumerable<SecretNeed> Secrets(PlatformSpec spec) => [];

    /// <summary>The Secret of its own (name, where it is mounted), if it has one.</summary>
    protected virtual (string Name, string Root)? OwnSecret => null;

    /// <summary>The environment after the common variables: the service's options.</summary>
    protected abstract IEnumerable<V1EnvVar> Environment(PlatformModel model);

    /// <summary>Dashboard panels of its own metrics, after the HTTP ones every service has.</summary>
    protected virtual IEnumerable<DashboardPanel> Panels(string selector) => [];

    /// <summary>Alerts of its own beyond the HTTP ones every service has.</summary>
    protected virtual IEnumerable<AlertRuleGroup> AlertGroups() => [];

    /// <summary>Volumes beyond <c>/tmp</c> and its own Secret.</summary>
    protected virtual IEnumerable<(V1Volume Volume, V1VolumeMount Mount)> Volumes() => [];

    /// <summary>
    /// Options an operator may change without a restart (the service reloads them), as the JSON of
    /// its runtime settings file: a ConfigMap mounted as a folder, so kubelet updates it in place.
    /// Keys set here must not also be in the environment.
    /// </summary>
    protected virtual JsonObject? RuntimeSettings(PlatformModel model) => null;

    /// <summary>The runtime settings ConfigMap's name, and the folder and file the service reads.</summary>
    public string SettingsConfigMap => $"{App.Name}-settings";

    public const string SettingsRoot = "/etc/helix/settings";
    public const string SettingsFile = "settings.json";

    public ComponentDeclaration Declare(PlatformSpec spec) => new()
    {
        Name = App.Name,
        Namespace = App.Namespace,
        Step = 8,
        Kind = ApplicationKind.Service,
        Parts =
        [
            new(App.Name, App.Namespace, "app", [.. DependsOn, Kyverno.Engine])
            {
                PodLabels = new Dictionary<string, string>(StringComparer.Ordinal) { ["app.kubernetes.io/name"] = App.Name },
            },
        ],
        Flows = [.. Flows(spec)],
        Metrics = [new(App.Name, HttpPort)],
        PeerFlows = App.Egress
            ? [PeerFlow.ThroughEgressGateway(App.Name)]
            : [.. WorldEgress(spec)],
        RouteTargets = [new(App.Name, App.Name, App.Name, App.Namespace, ServicePort, HttpPort)],
        Secrets = [.. Secrets(spec)],
        CrdsUsed = [MonitoringCrds.ServiceMonitor, MonitoringCrds.PrometheusRule],
        NodePools = [NodeRole.Compute],
        Dashboards = [HelixDashboards.For(App, Panels($"job=\"{App.Name}\",namespace=\"{App.Namespace}\""))],
    };

    /// <summary>Its configuration as the Deployment passes it (tests bind it with the service's own options classes).</summary>
    public List<V1EnvVar> Env(PlatformModel model) =>
    [
        Pods.Env("ASPNETCORE_HTTP_PORTS", $"{HttpPort}"),
        Pods.Env("OTEL_SERVICE_NAME", App.Name),
        .. RuntimeSettings(model) is null ? [] : new[] { Pods.Env("Helix__SettingsFile", $"{SettingsRoot}/{SettingsFile}") },
        .. Environment(model),
    ];

    /// <summary>The runtime settings ConfigMap, if the service has one.</summary>
    public V1ConfigMap? Settings(PlatformModel model) => RuntimeSettings(model) is { } settings
        ? new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = Meta.Object(SettingsConfigMap, App.Namespace, App.Name),
            Data = new Dictionary<string, string>(StringComparer.Ordinal) { [SettingsFile] = settings.ToJsonString(IndentedJson) + "\n" },
        }
        : null;

    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    public ComponentRender Render(PlatformModel model)
    {
        var volumes = new List<V1Volume> { new() { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("64Mi") } } };
        var mounts = new List<V1VolumeMount> { new() { Name = "tmp", MountPath = "/tmp" } };
        if (OwnSecret is var (secret, root))
        {
            volumes.Add(new V1Volume { Name = "secrets", Secret = new V1SecretVolumeSource { SecretName = secret, DefaultMode = ReadOnlyMode } });
            mounts.Add(new V1VolumeMount { Name = "secrets", MountPath = root, ReadOnlyProperty = true });
        }
        foreach (var (volume, mount) in Volumes())
        {
            volumes.Add(volume);
            mounts.Add(mount);
        }
        var settings = Settings(model);
        if (settings is not null)
        {
            // A folder, never subPath: kubelet does not update subPath mounts.
            volumes.Add(new V1Volume { Name = "settings", ConfigMap = new V1ConfigMapVolumeSource { Name = SettingsConfigMap, DefaultMode = ReadOnlyMode } });
            mounts.Add(new V1VolumeMount { Name = "settings", MountPath = SettingsRoot, ReadOnlyProperty = true });
        }
        var container = new V1Container
        {
            Name = App.Name,
            Image = App.Image,
            Ports = [new V1ContainerPort { Name = "http", ContainerPort = HttpPort, Protocol = "TCP" }],
            Env = Env(model),
            Resources = Pods.Resources(App.Resources),
            // Liveness only restarts a wedged process; readiness also turns false while draining.
            LivenessProbe = Pods.Http("/healthz", 10, 3),
            ReadinessProbe = Pods.Http("/readyz", 5, 2),
            StartupProbe = Pods.Http("/healthz", 2, 30),
            SecurityContext = Pods.Restricted(Pods.DotNetAppUser),
            VolumeMounts = mounts,
        };
        // Drain delay (5 s) plus the in-flight timeout (30 s), with margin; no pod goes before its replacement is ready.
        var deployment = Pods.Deployment(App, Pods.PodSpec(App, NodeRole.Compute, [container], volumes, Pods.DotNetAppUser, terminationGrace: 45),
            new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = "25%", MaxUnavailable = 0 } }, scaledByHpa: true);
        return new ComponentRender([],
        [
            new("service-account.yaml", [Pods.ServiceAccount(App)]),
            .. settings is null ? [] : new[] { new ManifestFile("settings.yaml", [settings]) },
            new("deployment.yaml", [deployment]),
            new("service.yaml", [Pods.Service(App, ServicePort, "http")]),
            new("pod-disruption-budget.yaml", [Pods.Pdb(App)]),
            new("horizontal-pod-autoscaler.yaml", [Pods.Hpa(App)]),
            new("service-monitor.yaml", [new Resource<ServiceMonitorSpec>("monitoring.coreos.com/v1", "ServiceMonitor",
                Meta.Object(App.Name, App.Namespace, App.Name),
                new ServiceMonitorSpec(new V1LabelSelector { MatchLabels = Pods.Selector(App) }, [new MonitorEndpoint("http", "/metrics", "30s")]))]),
            new("alert-rules.yaml", [Alerts.Rule(App.Name, App.Namespace, App.Name, [Alerts.HelixService(App), .. AlertGroups()])]),
        ]);
    }

    /// <summary>0440: owner and group read.</summary>
    protected const int ReadOnlyMode = 288;

    protected static string SecretFile(string root, string key) => $"file:{root}/{key}";

    /// <summary>The service's own database (named after it, its role too): through the pooler, direct to the primary for migrations, the password from its Secret.</summary>
    protected IEnumerable<V1EnvVar> DatabaseEnvironment(string secretsRoot)
    {
        string Database(string host) => $"Host={host};Port={Cnpg.Port};Database={App.Name.Replace('-', '_')};Username={App.Name};SSL Mode=Require";
        yield return Pods.Env("Database__ConnectionString", Database(Cnpg.PoolerHost));
        yield return Pods.Env("Database__MigrationConnectionString", Database(Cnpg.PrimaryHost));
        yield return Pods.Env("Database__Password", SecretFile(secretsRoot, "database-password"));
    }

    /// <summary>The flows of a service with its own database: through the pooler, and direct for migrations.</summary>
    protected IEnumerable<Flow> DatabaseFlows(string why)
    {
        yield return new(App.Name, Cnpg.Pooler, Cnpg.Port, why);
        yield return new(App.Name, Cnpg.Cluster, Cnpg.Port, "schema migrations (direct, not through the pooler)");
    }
}
