using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Helix.Platform.Components;
using Helix.Platform.Model;
using Helix.Platform.Verification;

namespace Helix.Platform.Tests;

/// <summary>
/// The arrow Prometheus -> Alertmanager -> Remediation, on the rendered tree: the alert rules Helix
/// renders are read by the real promtool (syntax, and unit tests that fire them with the label the
/// Remediation Service correlates on), and the rendered Alertmanager configuration is routed by the
/// real amtool. Both come with Debian's prometheus and prometheus-alertmanager packages, which
/// <c>.ci/run</c> installs.
/// </summary>
public sealed class AlertingTests : IDisposable
{
    private static readonly PlatformModel Model = ReferenceSpec.Model;
    private static readonly Lazy<Output.FileSet> Files = new(() => PlatformCompiler.Render(Model));
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("helix-alerts-");

    public void Dispose() => _root.Delete(recursive: true);

    private static JsonElement Document(string path, string kind) =>
        TreeVerifier.Documents(new StringReader(Files.Value.Text(path))).Select(d => d.Document).First(d => d.GetProperty("kind").GetString() == kind);

    /// <summary>Every PrometheusRule Helix renders, as (file, object).</summary>
    private static List<(string Path, JsonElement Rule)> Rules() =>
        [.. Files.Value.Paths.Where(p => p.StartsWith("gitops/", StringComparison.Ordinal) && p.EndsWith(".yaml", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .SelectMany(p => TreeVerifier.Documents(new StringReader(Files.Value.Text(p))).Where(d => d.Error is null)
                .Where(d => d.Document.TryGetProperty("kind", out var k) && k.GetString() == "PrometheusRule").Select(d => (p, d.Document)))];

    /// <summary>Runs a tool: its exit code, what it printed, and what it warned of (stderr).</summary>
    private static (int Exit, string Output, string Errors) Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }

    /// <summary>A rule object's groups as a Prometheus rule file (JSON is YAML).</summary>
    private string RuleFile(JsonElement rule, string name)
    {
        var path = Path.Combine(_root.FullName, name);
        File.WriteAllText(path, new JsonObject { ["groups"] = JsonNode.Parse(rule.GetProperty("spec").GetProperty("groups").GetRawText()) }.ToJsonString());
        return path;
    }

    [Fact]
    public void EveryRuleHelixRenders_IsValidForPrometheus_AndNamesAnApplication()
    {
        var rules = Rules();
        Assert.Equal(["gitops/apps/orchestrator/base/alert-rules.yaml", "gitops/apps/remediation/base/alert-rules.yaml",
            "gitops/apps/webhook-receiver/base/alert-rules.yaml", "gitops/platform/observability/base/platform-alerts.yaml"], rules.Select(r => r.Path));
        var applications = Model.Applications.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (path, rule) in rules)
        {
            var (exit, output, errors) = Run("promtool", "check", "rules", RuleFile(rule, Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(path))!) + ".yml"));
            Assert.True(exit == 0, $"{path}: {output}{errors}");
            foreach (var alert in rule.GetProperty("spec").GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("rules").EnumerateArray()))
            {
                Assert.Contains(alert.GetProperty("labels").GetProperty(Remediation.ApplicationLabel).GetString()!, applications);
            }
        }
        // The data tier's cluster runs in its own namespace, beside CNPG's operator: both are the cnpg Application's.
        Assert.Contains(Observability.PlatformAlerted(Model), a => a.Application == Cnpg.Name && a.Namespaces.SequenceEqual(["cnpg-system", "postgres"]));
    }

    [Fact]
    public void AServiceWithNoInstanceUp_OrServerErrors_FiresWithItsApplication()
    {
        var rule = Rules().Single(r => r.Path == "gitops/apps/orchestrator/base/alert-rules.yaml").Rule;
        var rules = RuleFile(rule, "orchestrator.yml");
        const string Selector = "job=\"orchestrator\",namespace=\"helix-orchestrator\"";
        var tests = Path.Combine(_root.FullName, "orchestrator.test.yml");
        // promtool's unit tests: series over time in, the alerts that fire (with every label) out.
        File.WriteAllText(tests, $$"""
            rule_files: [{{rules}}]
            evaluation_interval: 1m
            tests:
              - interval: 1m
                input_series:
                  - series: 'up{{{Selector}},instance="a"}'
                    values: '0x15'
                alert_rule_test:
                  - eval_time: 10m
                    alertname: HelixServiceDown
                    exp_alerts:
                      - exp_labels: {helix_app: orchestrator, severity: critical}
                        exp_annotations:
                          summary: orchestrator has no instance up
                          description: Prometheus has scraped no healthy orchestrator in helix-orchestrator for 5 minutes.
              - interval: 1m
                input_series:
                  - series: 'http_server_request_duration_seconds_count{{{Selector}},http_response_status_code="500"}'
                    values: '0+10x30'
                  - series: 'http_server_request_duration_seconds_count{{{Selector}},http_response_status_code="200"}'
                    values: '0+90x30'
                  - series: 'up{{{Selector}},instance="a"}'
                    values: '1x30'
                alert_rule_test:
                  - eval_time: 25m
                    alertname: HelixServiceErrors
                    exp_alerts:
                      - exp_labels: {helix_app: orchestrator, severity: critical}
                        exp_annotations:
                          summary: orchestrator answers over 5% of requests with a server error
                          description: Server errors (10%) since 10 minutes; a recent sync is the first suspect.
                  - eval_time: 25m
                    alertname: HelixServiceDown
                    exp_alerts: []
            """);
        var (exit, output, errors) = Run("promtool", "test", "rules", tests);
        Assert.True(exit == 0, output + errors);
    }

    [Fact]
    public void Alertmanager_SendsWhatNamesAnApplication_ToTheRemediationService_AndNothingElse()
    {
        var values = Document("gitops/platform/observability/application.yaml", "Application").GetProperty("spec").GetProperty("sources")[0].GetProperty("helm").GetProperty("valuesObject");
        var config = Path.Combine(_root.FullName, "alertmanager.yml");
        File.WriteAllText(config, values.GetProperty("alertmanager").GetProperty("config").GetRawText());
        var (checkExit, check, checkErrors) = Run("amtool", "check-config", config);
        Assert.True(checkExit == 0, check + checkErrors);

        var (exit, routed, errors) = Run("amtool", "config", "routes", "test", $"--config.file={config}",
            "alertname=HelixServiceDown", $"{Remediation.ApplicationLabel}=orchestrator", "severity=critical");
        Assert.True(exit == 0, routed + errors);
        Assert.Equal("remediation", routed.Trim());
        var (_, unrouted, _) = Run("amtool", "config", "routes", "test", $"--config.file={config}", "alertname=KubePodCrashLooping", "severity=warning");
        Assert.Equal("null", unrouted.Trim());
    }

    [Fact]
    public void TheRemediationServicesArgoCdAccount_MayReadApplications_AndNothingElse()
    {
        var configs = Document("gitops/platform/argocd/application.yaml", "Application").GetProperty("spec").GetProperty("sources")[0].GetProperty("helm")
            .GetProperty("valuesObject").GetProperty("configs");
        Assert.Equal("apiKey", configs.GetProperty("cm").GetProperty($"accounts.{Remediation.ArgoCdAccount}").GetString());
        var policy = configs.GetProperty("rbac").GetProperty("policy.csv").GetString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([$"p, role:{Remediation.ArgoCdAccount}, applications, get, */*, allow"], policy.Where(l => l.Contains($"role:{Remediation.ArgoCdAccount},", StringComparison.Ordinal)));
        Assert.Contains($"g, {Remediation.ArgoCdAccount}, role:{Remediation.ArgoCdAccount}", policy);
        var token = Model.Secrets().Single(s => s.Namespace == "helix-remediation" && s.Name == Remediation.Secret).Source("argocd-token");
        Assert.Contains($"--account {Remediation.ArgoCdAccount}", token.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void EachAlloy_TailsOnlyItsOwnNodesPods_SoALineIsShippedOnce()
    {
        var values = Document("gitops/platform/observability/application.yaml", "Application").GetProperty("spec").GetProperty("sources").EnumerateArray()
            .Single(s => s.TryGetProperty("chart", out var chart) && chart.GetString() == "alloy").GetProperty("helm").GetProperty("valuesObject");
        var config = values.GetProperty("alloy").GetProperty("configMap").GetProperty("content").GetString()!;
        Assert.Contains("field = \"spec.nodeName=\" + sys.env(\"HOSTNAME\")", config, StringComparison.Ordinal);
        Assert.Equal("daemonset", values.GetProperty("controller").GetProperty("type").GetString());
        // The logs come through the API server: no host path of the node's logs is mounted.
        Assert.False(values.GetProperty("alloy").TryGetProperty("mounts", out _));
    }

    [Fact]
    [Trait("breaks", "alert-remediation")]
    public void ARuleWithoutTheApplicationLabel_OrNamingNoApplication_IsCaught()
    {
        var verification = PlatformCompiler.Verify(Files.Value, Model);
        Assert.DoesNotContain(verification.Findings, f => f.Rule == PromiseRules.AlertRoutingRule);
        var tree = verification.Tree.Objects.Select(o => (o.File, Object: o.Object.GetRawText())).ToList();
        var edited = tree.Select(o => (o.File, Object: JsonDocument.Parse(o.File.EndsWith("orchestrator/base/alert-rules.yaml", StringComparison.Ordinal)
            ? o.Object.Replace("\"helix_app\":\"orchestrator\"", "\"team\":\"orchestrator\"", StringComparison.Ordinal)
            : o.File.EndsWith("remediation/base/alert-rules.yaml", StringComparison.Ordinal)
                ? o.Object.Replace("\"helix_app\":\"remediation\"", "\"helix_app\":\"remedation\"", StringComparison.Ordinal)
                : o.Object).RootElement)).ToList();

        var findings = PromiseRules.Tree(edited, Model).Where(f => f.Rule == PromiseRules.AlertRoutingRule).ToList();
        Assert.Equal(5, findings.Count(f => f.Resource == "PrometheusRule/helix-orchestrator/orchestrator" && f.Message.Contains("names no application", StringComparison.Ordinal)));
        Assert.Equal(3, findings.Count(f => f.Resource == "PrometheusRule/helix-remediation/remediation" && f.Message.Contains("'remedation'", StringComparison.Ordinal)));
    }

    [Fact]
    public void TheControlPlane_IsScrapedAtItsNodes_AndKubeProxyNeither_InTheChartsRealOutput()
    {
        Helix.Testing.TestEnvironment.Require("HELIX_HELM", "Helm v4 (scripts/tools.sh install)");
        Helix.Testing.TestEnvironment.Require("HELIX_CHARTS", "the upstream chart sources (../shared/charts)");
        var verification = PlatformCompiler.Verify(Files.Value, Model);
        var output = PlatformCompiler.VerifyCharts(verification.Tree, Model, Environment.GetEnvironmentVariable).Charts
            .Single(c => c.Release.Application == Observability.Name && c.Release.Pin == Observability.PrometheusStackPin).Objects;
        string Kind(JsonElement o) => o.GetProperty("kind").GetString()!;
        string Name(JsonElement o) => o.GetProperty("metadata").GetProperty("name").GetString()!;

        var controlPlane = Infra.TerraformRenderer.NodeAddresses(Model.Spec, Model.Spec.NodePools.Single(Infra.TalosPatches.IsControlPlane));
        Assert.Equal(["10.0.1.11", "10.0.1.12", "10.0.1.13"], controlPlane);
        foreach (var (component, port) in new[] { ("kube-etcd", 2381), ("kube-controller-manager", 10257), ("kube-scheduler", 10259) })
        {
            var endpoints = output.Single(o => Kind(o) == "Endpoints" && Name(o).EndsWith(component, StringComparison.Ordinal));
            var subset = endpoints.GetProperty("subsets")[0];
            Assert.Equal(controlPlane, subset.GetProperty("addresses").EnumerateArray().Select(a => a.GetProperty("ip").GetString()));
            Assert.Equal(port, subset.GetProperty("ports")[0].GetProperty("port").GetInt32());
        }
        // Talos runs no kube-proxy: neither its scrape nor KubeProxyDown, which would fire for ever.
        Assert.DoesNotContain(output, o => Kind(o) == "ServiceMonitor" && Name(o).Contains("kube-proxy", StringComparison.Ordinal));
        Assert.DoesNotContain(output, o => Kind(o) == "PrometheusRule" && o.GetRawText().Contains("KubeProxyDown", StringComparison.Ordinal));
        Assert.Contains(output, o => Kind(o) == "PrometheusRule" && o.GetRawText().Contains("KubeSchedulerDown", StringComparison.Ordinal));
    }
}
