using Helix.Platform.Output;
using Helix.Platform.Spec;

namespace Helix.Platform.Components;

/// <summary>
/// Alert rules Helix renders: each carries <see cref="Remediation.ApplicationLabel"/>, the Argo CD
/// Application whose last sync the Remediation Service weighs rolling back, and a severity that
/// Alertmanager routes on. Rules the charts ship (kube-prometheus-stack's) carry no application and
/// reach people, not the Remediation Service.
/// </summary>
internal static class Alerts
{
    /// <summary>How long a condition lasts before it fires: long enough to ride out a rolling update.</summary>
    private const string Sustained = "10m";

    public static Resource<PrometheusRuleSpec> Rule(string name, string ns, string component, IReadOnlyList<AlertRuleGroup> groups) =>
        new("monitoring.coreos.com/v1", "PrometheusRule", Meta.Object(name, ns, component), new PrometheusRuleSpec(groups));

    private static Dictionary<string, string> Labels(string application, string severity) =>
        new(StringComparer.Ordinal) { [Remediation.ApplicationLabel] = application, ["severity"] = severity };

    private static Dictionary<string, string> Say(string summary, string description) =>
        new(StringComparer.Ordinal) { ["summary"] = summary, ["description"] = description };

    /// <summary>A Helix service: none of its pods up, server errors, slow answers (the HTTP server metrics every service exports).</summary>
    public static AlertRuleGroup HelixService(AppSpec app)
    {
        var selector = $"job=\"{app.Name}\",namespace=\"{app.Namespace}\"";
        var requests = $"http_server_request_duration_seconds_count{{{selector}}}";
        return new AlertRuleGroup($"helix-{app.Name}",
        [
            new("HelixServiceDown", $"absent(up{{{selector}}} == 1)", "5m", Labels(app.Name, "critical"),
                Say($"{app.Name} has no instance up", $"Prometheus has scraped no healthy {app.Name} in {app.Namespace} for 5 minutes.")),
            new("HelixServiceErrors",
                $"sum(rate({requests.Replace("}", ",http_response_status_code=~\"5..\"}", StringComparison.Ordinal)}[5m])) / sum(rate({requests}[5m])) > 0.05",
                Sustained, Labels(app.Name, "critical"),
                Say($"{app.Name} answers over 5% of requests with a server error", "Server errors ({{ $value | humanizePercentage }}) since 10 minutes; a recent sync is the first suspect.")),
            new("HelixServiceSlow",
                $"histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{{{selector}}}[5m]))) > 1",
                Sustained, Labels(app.Name, "warning"),
                Say($"{app.Name} answers slowly", "The 99th percentile of request time has been over 1 s for 10 minutes.")),
        ]);
    }

    /// <summary>The Orchestrator's runs: a share of them failing is a regression of a workflow or of what it calls.</summary>
    public static AlertRuleGroup Runs(AppSpec app) => new($"helix-{app.Name}-runs",
    [
        new("HelixRunsFailing",
            $"sum(rate(helix_workflows_runs_total{{job=\"{app.Name}\",namespace=\"{app.Namespace}\",outcome=\"failed\"}}[15m]))"
                + $" / sum(rate(helix_workflows_runs_total{{job=\"{app.Name}\",namespace=\"{app.Namespace}\"}}[15m])) > 0.2",
            Sustained, Labels(app.Name, "critical"),
            Say("Over 20% of workflow runs fail", "Runs failing ({{ $value | humanizePercentage }}): look at the dead letters and the last sync.")),
        new("HelixQueueLag", $"max(helix_orchestrator_queue_pending{{job=\"{app.Name}\",namespace=\"{app.Namespace}\"}}) > 1000", "15m", Labels(app.Name, "warning"),
            Say("Events are piling up in the Orchestrator's queue", "{{ $value }} events waiting for 15 minutes: the workers fall behind or stopped consuming.")),
    ]);

    /// <summary>A platform Application, over the namespaces only its parts run in: Deployments or StatefulSets short of ready replicas.</summary>
    public static AlertRuleGroup Platform(string application, IReadOnlyList<string> namespaces)
    {
        var where = namespaces.Count == 1 ? $"namespace=\"{namespaces[0]}\"" : $"namespace=~\"{string.Join('|', namespaces)}\"";
        var them = string.Join(", ", namespaces);
        return new($"platform-{application}",
        [
            new("PlatformDeploymentUnavailable", $"sum(kube_deployment_status_replicas_unavailable{{{where}}}) > 0", Sustained,
                Labels(application, "critical"),
                Say($"{application} has unavailable replicas", $"Deployments in {them} have had unavailable replicas for 10 minutes.")),
            new("PlatformStatefulSetNotReady",
                $"sum(kube_statefulset_status_replicas{{{where}}}) - sum(kube_statefulset_status_replicas_ready{{{where}}}) > 0", Sustained,
                Labels(application, "critical"),
                Say($"{application} has StatefulSet replicas not ready", $"StatefulSets in {them} have had replicas not ready for 10 minutes.")),
        ]);
    }
}
