using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;
using k8s.Models;

namespace Helix.Platform.Components;

/// <summary>
/// Seed step 6: kube-prometheus-stack (Prometheus, Alertmanager, Grafana), Loki and Alloy, a
/// dashboard of Helix's services, and Alertmanager's route of application alerts to the
/// Remediation Service.
/// </summary>
internal sealed class Observability : IComponent
{
    public const string Name = "observability";
    public const string Namespace = "monitoring";
    public static readonly ChartPin PrometheusStackPin = new("https://prometheus-community.github.io/helm-charts", "kube-prometheus-stack", "88.5.3");
    public static readonly ChartPin LokiPin = new("https://grafana.github.io/helm-charts", "loki", "7.3.0");
    public static readonly ChartPin AlloyPin = new("https://grafana.github.io/helm-charts", "alloy", "1.11.1");

    /// <summary>The Prometheus stack's part (and release, and name prefix), which scrapes every metrics port.</summary>
    public const string Prometheus = ModelBuilder.Scraper;
    private const string Loki = "loki";

    /// <summary>Two Prometheus servers scrape the same targets: one restarting loses no samples.</summary>
    private const int PrometheusReplicas = 2;

    /// <summary>Grafana, as a route target; it is part of the Prometheus stack.</summary>
    public const string Grafana = "grafana";
    private const string GrafanaAdminSecret = "grafana-admin";

    /// <summary>Alertmanager's copy of the Remediation Service's bearer token (key <c>token</c>).</summary>
    public const string RemediationWebhookSecret = "remediation-webhook";

    public static string PrometheusUrl => $"http://{Meta.Dns($"{Prometheus}-prometheus", Namespace)}:9090";

    private const int ControllerManagerPort = 10257;
    private const int SchedulerPort = 10259;

    private static string LokiUrl => $"http://{Meta.Dns("loki-gateway", Namespace)}";

    public ComponentDeclaration Declare(PlatformSpec spec)
    {
        var obs = spec.Observability;
        return new()
        {
            Name = Name,
            Namespace = Namespace,
            Step = 6,
            Parts =
            [
                new(Prometheus, Namespace, "platform", [Longhorn.Name]),
                new(Loki, Namespace, "platform", [Prometheus]),
            ],
            Charts = [PrometheusStackPin, LokiPin, AlloyPin],
            PeerFlows =
            [
                PeerFlow.KubernetesApi(Prometheus),
                new(Prometheus, Peer.Nodes, true, [9100, 10250], "node exporter and kubelet metrics", []),
                new(Prometheus, Peer.Nodes, true, [ControllerManagerPort, SchedulerPort, Infra.TalosPatches.EtcdMetricsPort], "the control plane's metrics (Talos runs it on the host)", []),
            ],
            RouteTargets = [new(Grafana, Prometheus, $"{Prometheus}-grafana", Namespace, 80, 3000)],
            Secrets =
            [
                new(Namespace, GrafanaAdminSecret, ["admin-password", "admin-user"], SecretCreator.Operator, "Grafana's break-glass admin")
                {
                    Sources = new Dictionary<string, KeySource>(StringComparer.Ordinal) { ["admin-user"] = KeySource.Literal("admin") },
                },
                new(Namespace, $"{Prometheus}-admission", ["ca", "cert", "key"], SecretCreator.Controller, "the operator's webhook certificate, written by the chart's admission-create hook Job"),
                .. spec.Apps.Where(a => a.Kind == AppKind.Remediation).Select(_ =>
                    new SecretNeed(Namespace, RemediationWebhookSecret, ["token"], SecretCreator.Operator, "Alertmanager's bearer token at the Remediation Service")),
            ],
            CrdsUsed = [MonitoringCrds.ServiceMonitor, MonitoringCrds.PodMonitor, MonitoringCrds.PrometheusRule, new("monitoring.coreos.com", "Prometheus"),
                new("monitoring.coreos.com", "Alertmanager")],
            Storage =
            [
                new(Prometheus, obs.MetricsStorage, $"each of {PrometheusReplicas} Prometheus replicas") { Claims = PrometheusReplicas },
                new(Loki, obs.MetricsStorage, "Loki's single binary"),
            ],
        };
    }

    public ComponentRender Render(PlatformModel model)
    {
        var obs = model.Spec.Observability;
        var grafanaHost = model.Host(Grafana);
        var remediation = model.Spec.Apps.FirstOrDefault(a => a.Kind == AppKind.Remediation);
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
                    ["url"] = $"http://{Meta.Dns(remediation.Name, remediation.Namespace)}{Remediation.AlertmanagerSignals}",
                    ["send_resolved"] = true,
                    ["http_config"] = new JsonObject { ["authorization"] = new JsonObject { ["credentials_file"] = $"/etc/alertmanager/secrets/{RemediationWebhookSecret}/token" } },
                }),
            });
            routes.Add(new JsonObject { ["receiver"] = "remediation", ["matchers"] = new JsonArray($"{Remediation.ApplicationLabel}=~\".+\""), ["continue"] = true });
        }
        var dashboard = new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = Meta.Object("helix-dashboards", Namespace, Name, new Dictionary<string, string> { ["grafana_dashboard"] = "1" }),
            // Every component's dashboards, in the namespace Grafana's sidecar watches.
            Data = model.Declarations.SelectMany(d => d.Dashboards).ToDictionary(d => $"{d.Uid}.json", HelixDashboards.Render, StringComparer.Ordinal),
        };
        return new ComponentRender(
        [
            new(PrometheusStackPin, Prometheus, new JsonObject
            {
                ["fullnameOverride"] = Prometheus,
                ["crds"] = new JsonObject { ["enabled"] = false }, // installed first, by monitoring-crds
                // Talos: no kube-proxy (Cilium replaces it), so neither its scrape nor its alerts; etcd is a host
                // service and the controller manager and scheduler are static pods, scraped at the control plane's addresses.
                ["kubeProxy"] = new JsonObject { ["enabled"] = false },
                ["defaultRules"] = new JsonObject { ["rules"] = new JsonObject { ["kubeProxy"] = false } },
                ["kubeEtcd"] = ControlPlaneScrape(model.Spec, Infra.TalosPatches.EtcdMetricsPort, https: false),
                ["kubeControllerManager"] = ControlPlaneScrape(model.Spec, ControllerManagerPort, https: true),
                ["kubeScheduler"] = ControlPlaneScrape(model.Spec, SchedulerPort, https: true),
                ["prometheus"] = new JsonObject
                {
                    ["prometheusSpec"] = new JsonObject
                    {
                        ["replicas"] = PrometheusReplicas,
                        ["retention"] = obs.MetricsRetention,
                        ["serviceMonitorSelectorNilUsesHelmValues"] = false,
                        ["podMonitorSelectorNilUsesHelmValues"] = false,
                        ["ruleSelectorNilUsesHelmValues"] = false,
                        ["storageSpec"] = Values.Volume(obs.MetricsStorage),
                    },
                },
                ["alertmanager"] = new JsonObject
                {
                    ["alertmanagerSpec"] = new JsonObject
                    {
                        ["replicas"] = 2,
                        ["secrets"] = remediation is null ? new JsonArray() : new JsonArray(RemediationWebhookSecret),
                    },
                    ["config"] = new JsonObject
                    {
                        ["route"] = new JsonObject { ["receiver"] = "null", ["group_by"] = new JsonArray("alertname", Remediation.ApplicationLabel), ["routes"] = routes },
                        ["receivers"] = receivers,
                    },
                },
                ["grafana"] = new JsonObject
                {
                    ["admin"] = new JsonObject { ["existingSecret"] = GrafanaAdminSecret },
                    // Behind Authentik ForwardAuth: the user Authentik vouched for is the Grafana user.
                    ["grafana.ini"] = new JsonObject
                    {
                        ["server"] = new JsonObject { ["root_url"] = $"https://{grafanaHost}" },
                        // The role comes with every request (Admin for the admins group, else Viewer), so it follows the group.
                        ["auth.proxy"] = new JsonObject
                        {
                            ["enabled"] = true, ["header_name"] = "X-authentik-username", ["header_property"] = "username", ["auto_sign_up"] = true,
                            ["headers"] = $"Role:{AuthentikBlueprint.GrafanaRoleHeader}",
                        },
                    },
                    ["additionalDataSources"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "Loki",
                        ["type"] = "loki",
                        ["uid"] = "loki",
                        ["access"] = "proxy",
                        ["url"] = LokiUrl,
                    }),
                    ["sidecar"] = new JsonObject { ["dashboards"] = new JsonObject { ["enabled"] = true, ["label"] = "grafana_dashboard" } },
                },
            }),
            new(LokiPin, Loki, new JsonObject
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
                    ["persistence"] = new JsonObject { ["size"] = obs.MetricsStorage, ["storageClass"] = Longhorn.StorageClass },
                },
                ["backend"] = new JsonObject { ["replicas"] = 0 },
                ["read"] = new JsonObject { ["replicas"] = 0 },
                ["write"] = new JsonObject { ["replicas"] = 0 },
                ["chunksCache"] = new JsonObject { ["enabled"] = false },
                ["resultsCache"] = new JsonObject { ["enabled"] = false },
                ["lokiCanary"] = new JsonObject { ["enabled"] = false },
                ["test"] = new JsonObject { ["enabled"] = false },
            }),
            new(AlloyPin, "alloy", new JsonObject
            {
                ["alloy"] = new JsonObject
                {
                    ["configMap"] = new JsonObject { ["content"] = AlloyConfig },
                },
                ["controller"] = new JsonObject { ["type"] = "daemonset" },
            }),
        ],
        [
            new ManifestFile("dashboards.yaml", [dashboard]),
            new ManifestFile("platform-alerts.yaml", [Alerts.Rule("platform-availability", Namespace, Name, [.. PlatformAlerted(model).Select(a => Alerts.Platform(a.Application, a.Namespaces))])]),
        ]);
    }

    /// <summary>
    /// Each platform Application with the namespaces only its parts run in (what is short of replicas
    /// there is its own); kube-system is Talos' too.
    /// </summary>
    internal static IEnumerable<(string Application, IReadOnlyList<string> Namespaces)> PlatformAlerted(PlatformModel model)
    {
        var owners = model.Parts.GroupBy(p => p.Namespace, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(p => p.Application).Distinct(StringComparer.Ordinal).Count(), StringComparer.Ordinal);
        foreach (var app in model.Applications.Where(a => model.Declaration(a.Name).Kind == ApplicationKind.Platform))
        {
            var namespaces = app.Parts.Select(p => model.Part(p).Namespace).Where(n => n != "kube-system" && owners[n] == 1)
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (namespaces.Count > 0)
            {
                yield return (app.Name, namespaces);
            }
        }
    }

    /// <summary>A control-plane component scraped at the control plane's node addresses (their serving certificates are self-signed).</summary>
    private static JsonObject ControlPlaneScrape(PlatformSpec spec, int port, bool https)
    {
        var controlPlane = spec.NodePools.First(Infra.TalosPatches.IsControlPlane);
        var scrape = new JsonObject
        {
            ["enabled"] = true,
            ["endpoints"] = new JsonArray([.. Infra.TerraformRenderer.NodeAddresses(spec, controlPlane).Select(a => (JsonNode)a)]),
            ["service"] = new JsonObject { ["enabled"] = true, ["port"] = port, ["targetPort"] = port },
        };
        if (https)
        {
            scrape["serviceMonitor"] = new JsonObject { ["https"] = true, ["insecureSkipVerify"] = true };
        }
        return scrape;
    }

    /// <summary>
    /// Ships the logs of the pods on its own node to Loki (each Alloy of the DaemonSet tails its node's
    /// pods only, so every line is sent once), labelled by namespace, pod and container.
    /// </summary>
    private static string AlloyConfig => $$"""
        discovery.kubernetes "pods" {
          role = "pod"
          selectors {
            role  = "pod"
            field = "spec.nodeName=" + sys.env("HOSTNAME")
          }
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
            url = "{{LokiUrl}}/loki/api/v1/push"
          }
        }
        """;

    /// <summary>Loki wants retention in hours: <c>14d</c> becomes <c>336h</c>.</summary>
    internal static string Hours(string duration) =>
        duration.EndsWith('d') && int.TryParse(duration[..^1], System.Globalization.CultureInfo.InvariantCulture, out var days)
            ? $"{days * 24}h"
            : duration;
}
