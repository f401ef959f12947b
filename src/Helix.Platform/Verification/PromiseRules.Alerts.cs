using Helix.Platform.Components;
using Helix.Platform.Simulation;

namespace Helix.Platform.Verification;

internal static partial class PromiseRules
{
    public const string AlertRoutingRule = "alert-remediation";

    /// <summary>
    /// Every alert Helix renders names the Argo CD Application it is about (the label the Remediation
    /// Service correlates on and Alertmanager routes by): one without it reaches nobody who can act.
    /// </summary>
    private static IEnumerable<Finding> AlertRouting(IReadOnlyList<KubeObject> objects, HashSet<string> applications)
    {
        foreach (var rule in objects.Where(o => o.Group == "monitoring.coreos.com" && o.Kind == "PrometheusRule"
                     && KubeObject.Text(o.Json, "metadata", "labels", "app.kubernetes.io/managed-by") == "helix"))
        {
            foreach (var alert in KubeObject.Items(rule.At("spec", "groups")).SelectMany(g => KubeObject.Items(KubeObject.Element(g, "rules")))
                         .Where(r => KubeObject.Text(r, "alert") is not null))
            {
                var application = KubeObject.Text(alert, "labels", Remediation.ApplicationLabel);
                if (application is null || !applications.Contains(application))
                {
                    yield return new Finding(Severity.Error, rule.Source, $"PrometheusRule/{rule.DeclaredNamespace}/{rule.Name}", AlertRoutingRule,
                        application is null
                            ? $"alert {KubeObject.Text(alert, "alert")} names no application ({Remediation.ApplicationLabel}): Alertmanager sends it nowhere that acts"
                            : $"alert {KubeObject.Text(alert, "alert")} names application '{application}', which Argo CD does not have",
                        $"label it {Remediation.ApplicationLabel}: <the Argo CD Application it is about>");
                }
            }
        }
    }
}
