using Helix.Platform.Output;
using Helix.Platform.Spec;
using k8s.Models;

namespace Helix.Platform.Components;

/// <summary>The Kubernetes objects every workload Helix writes itself is made of, hardened alike.</summary>
internal static class Pods
{
    /// <summary>The uid of the non-root <c>app</c> user in .NET's container images.</summary>
    public const long DotNetAppUser = 1654;
    public const long OtherUser = 1000;

    /// <summary>
    /// A namespace's Pod Security level: apps run restricted; storage, node agents and log collectors
    /// need host access, and Devtron's CI runner builds images with Docker-in-Docker (privileged).
    /// </summary>
    public static string PodSecurity(string ns, string zone) => ns switch
    {
        "longhorn-system" or "monitoring" or Devtron.CiNamespace => "privileged",
        _ when zone == "app" => "restricted",
        _ => "baseline",
    };

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

    /// <summary>
    /// The app's Deployment. One an HPA scales (<paramref name="scaledByHpa"/>) states no replica
    /// count: Argo CD's self-heal would reset the HPA's count to it on every sync.
    /// </summary>
    public static V1Deployment Deployment(AppSpec app, V1PodSpec pod, V1DeploymentStrategy? strategy = null, bool scaledByHpa = false) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = Meta.Object(app.Name, app.Namespace, app.Name),
        Spec = new V1DeploymentSpec
        {
            Replicas = scaledByHpa ? null : app.Replicas,
            Selector = new V1LabelSelector { MatchLabels = Selector(app) },
            Strategy = strategy,
            Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = Selector(app) }, Spec = pod },
        },
    };

    public static V1EnvVar Env(string name, string value) => new() { Name = name, Value = value };

    public static Dictionary<string, string> Selector(AppSpec app) => new(StringComparer.Ordinal)
    {
        ["app.kubernetes.io/name"] = app.Name,
        ["app.kubernetes.io/part-of"] = "helix",
    };

    public static V1PodSpec PodSpec(AppSpec app, NodeRole role, List<V1Container> containers, List<V1Volume> volumes, long user, long terminationGrace) => new()
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

    public static V1SecurityContext Restricted(long user, bool readOnlyRoot = true) => new()
    {
        RunAsNonRoot = true,
        RunAsUser = user,
        AllowPrivilegeEscalation = false,
        ReadOnlyRootFilesystem = readOnlyRoot,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
    };

    public static V1ResourceRequirements Resources(ResourcesSpec resources) => new()
    {
        // No CPU limit: throttling hurts latency, and requests already decide scheduling.
        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(resources.Cpu), ["memory"] = new(resources.Memory) },
        Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new(resources.MemoryLimit) },
    };

    public static V1Probe Http(string path, int period, int failures, string port = "http") => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = port },
        PeriodSeconds = period,
        FailureThreshold = failures,
        TimeoutSeconds = 2,
    };

    public static V1ServiceAccount ServiceAccount(AppSpec app) => new()
    {
        ApiVersion = "v1",
        Kind = "ServiceAccount",
        Metadata = Meta.Object(app.Name, app.Namespace, app.Name),
        AutomountServiceAccountToken = false,
    };

    public static V1Service Service(AppSpec app, int port, string targetPort) => new()
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

    public static V1PodDisruptionBudget Pdb(AppSpec app) => new()
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

    public static V2HorizontalPodAutoscaler Hpa(AppSpec app) => new()
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
