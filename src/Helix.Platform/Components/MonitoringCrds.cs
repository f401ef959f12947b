using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;

namespace Helix.Platform.Components;

/// <summary>
/// The Prometheus Operator's CRDs, installed before everything else: nearly every chart of the
/// platform renders ServiceMonitors or PodMonitors, and an object whose CRD is not there fails its
/// Application's sync. kube-prometheus-stack with every component off renders only its CRDs; the
/// observability stack (step 6) then installs none of its own.
/// </summary>
internal sealed class MonitoringCrds : IComponent
{
    public const string Name = "monitoring-crds";
    private const string Group = "monitoring.coreos.com";

    public static readonly CrdKind ServiceMonitor = new(Group, "ServiceMonitor");
    public static readonly CrdKind PodMonitor = new(Group, "PodMonitor");
    public static readonly CrdKind PrometheusRule = new(Group, "PrometheusRule");

    /// <summary>The chart's components, each turned off here (the CRDs come with the chart itself).</summary>
    private static readonly string[] Components =
    [
        "alertmanager", "grafana", "kubeStateMetrics", "nodeExporter", "prometheusOperator", "prometheus", "thanosRuler",
        "kubeApiServer", "kubelet", "kubeControllerManager", "coreDns", "kubeDns", "kubeEtcd", "kubeScheduler", "kubeProxy", "windowsMonitoring",
    ];

    public ComponentDeclaration Declare(PlatformSpec spec) => new()
    {
        Name = Name,
        Namespace = Observability.Namespace,
        Step = 2,
        Parts = [new(Name, Observability.Namespace, "platform", [])],
        Charts = [Observability.PrometheusStackPin],
        CrdsInstalled =
        [
            ServiceMonitor, PodMonitor, PrometheusRule, new(Group, "Prometheus"), new(Group, "Alertmanager"), new(Group, "AlertmanagerConfig"),
            new(Group, "Probe"), new(Group, "PrometheusAgent"), new(Group, "ScrapeConfig"), new(Group, "ThanosRuler"),
        ],
    };

    public ComponentRender Render(PlatformModel model)
    {
        var values = new JsonObject { ["defaultRules"] = new JsonObject { ["create"] = false } };
        foreach (var component in Components)
        {
            values[component] = new JsonObject { ["enabled"] = false };
        }
        return new([new(Observability.PrometheusStackPin, Name, values)], []);
    }
}
