using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Helix.Platform.Model;

namespace Helix.Platform.Tests;

/// <summary>
/// The Helix services' Grafana dashboards: one per service, every query valid PromQL (the real
/// promtool parses it), and every Helix metric a query names is one a service exports (read from the
/// instruments the services create, named as OpenTelemetry's Prometheus exporter names them).
/// </summary>
public sealed partial class DashboardTests : IDisposable
{
    private static readonly PlatformModel Model = ReferenceSpec.Model;
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("helix-dashboards-");

    public void Dispose() => _root.Delete(recursive: true);

    private static List<Dashboard> Dashboards() => [.. Model.Declarations.SelectMany(d => d.Dashboards)];

    [GeneratedRegex(@"Create(?<kind>Counter|Histogram|ObservableGauge|UpDownCounter|ObservableCounter)(<[^>]+>)?\(\s*""(?<name>helix\.[a-z.]+)""\s*,\s*(?:[^,""]+,\s*)?""(?<unit>[^""]*)""")]
    private static partial Regex Instrument();

    [GeneratedRegex(@"\b(?<metric>helix_[a-z_]+)\{")]
    private static partial Regex HelixMetric();

    /// <summary>Every metric the services export, named as the Prometheus exporter writes it.</summary>
    private static HashSet<string> Exported()
    {
        var src = Path.Combine(Path.GetDirectoryName(ReferenceSpec.Path)!, "..", "src");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains("/obj/", StringComparison.Ordinal)))
        {
            foreach (Match m in Instrument().Matches(File.ReadAllText(file)))
            {
                var name = m.Groups["name"].Value.Replace('.', '_') + (m.Groups["unit"].Value == "s" ? "_seconds" : "");
                switch (m.Groups["kind"].Value)
                {
                    case "Counter" or "ObservableCounter":
                        names.Add(name + "_total");
                        break;
                    case "Histogram":
                        names.UnionWith([name + "_bucket", name + "_count", name + "_sum"]);
                        break;
                    default:
                        names.Add(name);
                        break;
                }
            }
        }
        return names;
    }

    [Fact]
    public void EachHelixService_HasADashboard_OfItsRequestsAndOfWhatItDoes()
    {
        Assert.Equal(["helix-webhook-receiver", "helix-orchestrator", "helix-remediation"], Dashboards().Select(d => d.Uid));
        var orchestrator = Dashboards().Single(d => d.Uid == "helix-orchestrator").Panels.Select(p => p.Title).ToList();
        Assert.Equal(["Requests by status", "Request latency p99", "Queue lag (events waiting)", "Events by outcome", "Runs by workflow and outcome", "Runs executing"],
            orchestrator);
        var remediation = Dashboards().Single(d => d.Uid == "helix-remediation").Panels.Select(p => p.Title);
        Assert.Contains("Decisions by outcome", remediation);

        // Rendered where Grafana's sidecar finds them, one key per dashboard.
        var map = JsonNode.Parse(JsonSerializer.Serialize(Verification.TreeVerifier.Documents(new StringReader(
            PlatformCompiler.Render(Model).Text("gitops/platform/observability/base/dashboards.yaml"))).Single().Document))!;
        Assert.Equal("1", (string)map["metadata"]!["labels"]!["grafana_dashboard"]!);
        Assert.Equal(Dashboards().Select(d => $"{d.Uid}.json"), map["data"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void EveryQuery_IsPromQL_AndNamesOnlyMetricsTheServicesExport()
    {
        var exported = Exported();
        Assert.Contains("helix_orchestrator_queue_pending", exported);
        Assert.Contains("helix_webhooks_enqueue_duration_seconds_bucket", exported);
        var panels = Dashboards().SelectMany(d => d.Panels).ToList();
        foreach (var panel in panels)
        {
            Assert.All(HelixMetric().Matches(panel.Expr).Select(m => m.Groups["metric"].Value), m => Assert.Contains(m, exported));
        }
        // promtool parses each query as the expression of a recording rule.
        var rules = Path.Combine(_root.FullName, "panels.yml");
        File.WriteAllText(rules, new JsonObject
        {
            ["groups"] = new JsonArray(new JsonObject
            {
                ["name"] = "panels",
                ["rules"] = new JsonArray([.. panels.Select((p, i) => (JsonNode)new JsonObject { ["record"] = $"panel_{i}", ["expr"] = p.Expr })]),
            }),
        }.ToJsonString());
        var start = new ProcessStartInfo("promtool", ["check", "rules", rules]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, output);
    }
}
