using System.Text;
using Helix.Platform.Spec;

namespace Helix.Platform.Model;

/// <summary>The architecture diagram, derived from the model: zones as subgraphs, flows as arrows.</summary>
internal static class MermaidGraph
{
    public static string Render(PlatformModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var text = new StringBuilder();
        text.Append("# Platform architecture: ").Append(model.Spec.Name).Append("\n\n");
        text.Append("Rendered by `helix graph` from `platform/helix.yaml`; do not edit by hand.\n");
        text.Append("Boxes are the components Helix installs, grouped by network zone (each default-deny);\n");
        text.Append("arrows are the only connections the zero-trust policies allow, with their ports.\n\n");
        text.Append("```mermaid\nflowchart LR\n");
        foreach (var zone in model.Parts.GroupBy(c => c.Zone).OrderBy(g => ZoneOrder(model.Spec, g.Key)))
        {
            text.Append("  subgraph zone_").Append(Id(zone.Key)).Append(" [\"zone: ").Append(zone.Key).Append(" (default-deny)\"]\n");
            foreach (var component in zone.OrderBy(c => c.Step).ThenBy(c => c.Name, StringComparer.Ordinal))
            {
                text.Append("    ").Append(Id(component.Name)).Append("[\"").Append(component.Name)
                    .Append("<br/>ns ").Append(component.Namespace).Append(" · step ").Append(component.Step).Append("\"]\n");
            }
            text.Append("  end\n");
        }
        foreach (var flow in model.Flows)
        {
            text.Append("  ").Append(Id(flow.From)).Append(" -->|\"").Append(flow.Port).Append(' ').Append(flow.Why).Append("\"| ").Append(Id(flow.To)).Append('\n');
        }
        text.Append("```\n\n## Install order\n\n| step | wave | owner | what |\n|---|---|---|---|\n");
        foreach (var step in model.Steps)
        {
            text.Append("| ").Append(step.Number).Append(" | ").Append(step.SyncWave?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "–")
                .Append(" | ").Append(step.Owner).Append(" | ").Append(step.Title).Append(": ").Append(string.Join(", ", step.Parts)).Append(" |\n");
        }
        return text.ToString();
    }

    private static int ZoneOrder(PlatformSpec spec, string zone)
    {
        var index = spec.Zones.FindIndex(z => z.Name == zone);
        return index < 0 ? int.MaxValue : index;
    }

    private static string Id(string name) => name.Replace('-', '_');
}
