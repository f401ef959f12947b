using System.Text.Json;
using System.Text.Json.Nodes;

namespace Helix.Platform.Components;

/// <summary>Grafana dashboards of Helix's own services, from the metrics they export.</summary>
internal static class HelixDashboards
{
    public const string Uid = "helix-services";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Render()
    {
        var panels = new JsonArray(
            Panel(1, "Webhook deliveries by outcome", "sum by (source, outcome) (rate(helix_webhooks_requests_total[5m]))", "reqps", 0),
            Panel(2, "Enqueue latency p99", "histogram_quantile(0.99, sum by (le) (rate(helix_webhooks_enqueue_duration_seconds_bucket[5m])))", "s", 12),
            Panel(3, "HTTP server p99 by service", "histogram_quantile(0.99, sum by (le, job) (rate(http_server_request_duration_seconds_bucket[5m])))", "s", 24));
        var dashboard = new JsonObject
        {
            ["uid"] = Uid,
            ["title"] = "Helix services",
            ["tags"] = new JsonArray("helix"),
            ["timezone"] = "utc",
            ["schemaVersion"] = 39,
            ["time"] = new JsonObject { ["from"] = "now-6h", ["to"] = "now" },
            ["panels"] = panels,
        };
        return dashboard.ToJsonString(Indented).ReplaceLineEndings("\n");
    }

    private static JsonObject Panel(int id, string title, string expr, string unit, int y) => new()
    {
        ["id"] = id,
        ["type"] = "timeseries",
        ["title"] = title,
        ["datasource"] = new JsonObject { ["type"] = "prometheus", ["uid"] = "prometheus" },
        ["gridPos"] = new JsonObject { ["h"] = 8, ["w"] = 24, ["x"] = 0, ["y"] = y },
        ["fieldConfig"] = new JsonObject { ["defaults"] = new JsonObject { ["unit"] = unit } },
        ["targets"] = new JsonArray(new JsonObject { ["refId"] = "A", ["expr"] = expr }),
    };
}
