using System.Globalization;
using System.Security;
using System.Text;

namespace Helix.Platform.Verification;

/// <summary>The reachability matrix by zone: a text table for the terminal and an SVG picture for the docs.</summary>
internal static class MatrixView
{
    /// <summary>One zone-to-zone cell: workload pairs allowed as intended, allowed but unintended, intended but blocked, and neither.</summary>
    public sealed record Cell(string From, string To, int Intended, int Unexpected, int Blocked, int Denied);

    public static IReadOnlyList<string> Zones(ReachabilityReport report) =>
        report.Workloads.Select(w => w.Zone).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    public static IReadOnlyList<Cell> Cells(ReachabilityReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var zones = Zones(report);
        var cells = new List<Cell>();
        foreach (var from in zones)
        {
            foreach (var to in zones)
            {
                var pairs = report.Connections.Where(c => c.From.Zone == from && c.To.Zone == to && c.From != c.To).ToList();
                var sources = report.Workloads.Count(w => w.Zone == from);
                var destinations = report.Workloads.Count(w => w.Zone == to);
                var all = (sources * destinations) - (from == to ? sources : 0);
                cells.Add(new Cell(from, to,
                    pairs.Count(c => !c.Allowed.IsEmpty && c.Unexpected.IsEmpty && c.Blocked.IsEmpty),
                    pairs.Count(c => !c.Unexpected.IsEmpty),
                    pairs.Count(c => !c.Blocked.IsEmpty),
                    all - pairs.Count));
            }
        }
        return cells;
    }

    public static string Table(ReachabilityReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var zones = Zones(report);
        var cells = Cells(report);
        var text = new StringBuilder();
        text.Append("workload pairs by zone: allowed as intended / UNEXPECTED / blocked / denied\n");
        text.Append($"{"from \\ to",-10}");
        foreach (var to in zones)
        {
            text.Append($"{to,22}");
        }
        text.Append('\n');
        foreach (var from in zones)
        {
            text.Append($"{from,-10}");
            foreach (var to in zones)
            {
                var c = cells.Single(x => x.From == from && x.To == to);
                text.Append($"{$"{c.Intended} / {c.Unexpected} / {c.Blocked} / {c.Denied}",22}");
            }
            text.Append('\n');
        }
        text.Append("\nreaching outside the cluster:\n");
        foreach (var w in report.World.OrderBy(w => w.Workload.Name, StringComparer.Ordinal))
        {
            var how = w.Gateway is { } g ? $"via egress gateway {g} on {w.Ports}" : w.Hosts.Count > 0 ? $"named hosts only: {string.Join(", ", w.Hosts)}" : $"directly on {w.Ports}";
            text.Append(CultureInfo.InvariantCulture, $"  {w.Workload.Name} ({w.Workload.Zone} zone): {how}\n");
        }
        return text.ToString();
    }

    /// <summary>A zones-by-zones grid: green cells only allow what is intended, red ones leak, amber ones block an intended flow.</summary>
    public static string Svg(ReachabilityReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var zones = Zones(report);
        var cells = Cells(report);
        const int Size = 120, Left = 110, Top = 60;
        var width = Left + (zones.Count * Size) + 20;
        var height = Top + (zones.Count * Size) + 60;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"13\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"  <text x=\"{Left}\" y=\"20\" font-weight=\"bold\">Zero trust: which zone reaches which (rows: from, columns: to)</text>\n");
        for (var i = 0; i < zones.Count; i++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"  <text x=\"{Left + (i * Size) + (Size / 2)}\" y=\"{Top - 8}\" text-anchor=\"middle\">{Escape(zones[i])}</text>\n");
            svg.Append(CultureInfo.InvariantCulture, $"  <text x=\"{Left - 8}\" y=\"{Top + (i * Size) + (Size / 2)}\" text-anchor=\"end\">{Escape(zones[i])}</text>\n");
        }
        for (var r = 0; r < zones.Count; r++)
        {
            for (var c = 0; c < zones.Count; c++)
            {
                var cell = cells.Single(x => x.From == zones[r] && x.To == zones[c]);
                var fill = cell.Unexpected > 0 ? "#e06666" : cell.Blocked > 0 ? "#f6b26b" : cell.Intended > 0 ? "#93c47d" : "#d9d9d9";
                var x = Left + (c * Size);
                var y = Top + (r * Size);
                svg.Append(CultureInfo.InvariantCulture, $"  <rect x=\"{x}\" y=\"{y}\" width=\"{Size - 4}\" height=\"{Size - 4}\" fill=\"{fill}\"/>\n");
                svg.Append(CultureInfo.InvariantCulture, $"  <text x=\"{x + (Size / 2) - 2}\" y=\"{y + 40}\" text-anchor=\"middle\">{cell.Intended} allowed</text>\n");
                svg.Append(CultureInfo.InvariantCulture, $"  <text x=\"{x + (Size / 2) - 2}\" y=\"{y + 60}\" text-anchor=\"middle\">{cell.Unexpected} unexpected</text>\n");
                svg.Append(CultureInfo.InvariantCulture, $"  <text x=\"{x + (Size / 2) - 2}\" y=\"{y + 80}\" text-anchor=\"middle\">{cell.Blocked} blocked</text>\n");
            }
        }
        svg.Append(CultureInfo.InvariantCulture,
            $"  <text x=\"{Left}\" y=\"{height - 30}\">Counts are workload pairs. Green: only intended flows; red: a leak; amber: an intended flow blocked; grey: nothing allowed.</text>\n");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
