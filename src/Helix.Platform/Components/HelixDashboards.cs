using System.Text.Json;
using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Spec;

namespace Helix.Platform.Components;

/// <summary>
/// Grafana dashboards of Helix's own services, from the metrics they export: every service's HTTP
/// requests and latency, and what each does (deliveries, queue lag and runs, signals and decisions).
/// </summary>
internal static class HelixDashboards
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The dashboard of one service: its HTTP panels, then its own.</summary>
    public static Dashboard For(AppSpec app, IEnumerable<DashboardPanel> own)
    {
        ArgumentNullException.ThrowIfNull(app);
        var selector = $"job=\"{app.Name}\",namespace=\"{app.Namespace}\"";
        return new Dashboard($"helix-{app.Name}", $"Helix: {app.Name}",
        [
            new("Requests by status", $"sum by (http_response_status_code) (rate(http_server_request_duration_seconds_count{{{selector}}}[5m]))", "reqps"),
            new("Request latency p99", $"histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{{{selector}}}[5m])))", "s"),
            .. own,
        ]);
    }

    /// <summary>A dashboard as Grafana's JSON model.</summary>
    public static string Render(Dashboard dashboard)
    {
        ArgumentNullException.ThrowIfNull(dashboard);
        var json = new JsonObject
        {
            ["uid"] = dashboard.Uid,
            ["title"] = dashboard.Title,
            ["tags"] = new JsonArray("helix"),
            ["timezone"] = "utc",
            ["schemaVersion"] = 39,
            ["time"] = new JsonObject { ["from"] = "now-6h", ["to"] = "now" },
            ["panels"] = new JsonArray([.. dashboard.Panels.Select((p, i) => (JsonNode)Panel(i + 1, p, i * 8))]),
        };
        return json.ToJsonString(Indented).ReplaceLineEndings("\n");
    }

    private static JsonObject Panel(int id, DashboardPanel panel, int y) => new()
    {
        ["id"] = id,
        ["type"] = "timeseries",
        ["title"] = panel.Title,
        ["datasource"] = new JsonObject { ["type"] = "prometheus", ["uid"] = "prometheus" },
        ["gridPos"] = new JsonObject { ["h"] = 8, ["w"] = 24, ["x"] = 0, ["y"] = y },
        ["fieldConfig"] = new JsonObject { ["defaults"] = new JsonObject { ["unit"] = panel.Unit } },
        ["targets"] = new JsonArray(new JsonObject { ["refId"] = "A", ["expr"] = panel.Expr }),
    };
}
