using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Helix.Platform.Infra;
using Helix.Platform.Model;
using Helix.Platform.Output;

namespace Helix.Platform.Docs;

/// <summary><c>cost-time-complexity.md</c>: what the platform costs a month, what bringing it up takes, and how much there is to it.</summary>
internal static partial class CostDocument
{
    public const string Path = "docs/architecture/cost-time-complexity.md";

    public static string Render(PlatformModel model, CostReport report, FileSet gitOps)
    {
        var currency = report.Currency;
        var text = new StringBuilder(Markdown.Header);
        text.Append("# Cost, time and complexity: ").Append(model.Spec.Name).Append("\n\n");
        text.Append("Computed from the spec's price table (`costs:` in `platform/helix.yaml`) and the resources the rendered\n");
        text.Append("Terraform creates; `helix cost` prints the same table (`-o json`, `--compare OTHER.yaml`).\n\n");

        text.Append("## Monthly cost\n\n");
        text.Append(Markdown.Table(["provider", "item", "what", "quantity", "unit price", "monthly", "basis"],
            report.Lines.Select(l => (IReadOnlyList<string>)[l.Provider, $"`{l.Item}`", l.What, Markdown.Number(l.Quantity),
                l.UnitPrice is { } p ? Markdown.Money(p, currency) : "no price", l.Monthly is { } m ? Markdown.Money(m, currency) : "–", l.Basis])));
        text.Append("**Total: ").Append(Markdown.Money(report.Total, currency)).Append(" a month**");
        if (report.Unpriced.Count > 0)
        {
            text.Append(", without ").Append(report.Unpriced.Count).Append(" unpriced item(s): ")
                .Append(string.Join(", ", report.Unpriced.Select(l => $"`{l.Provider} {l.Item}`").Distinct(StringComparer.Ordinal)))
                .Append(" (add them to `costs.prices`)");
        }
        text.Append(". Prices exclude VAT and traffic beyond what the servers include.\n\n");

        text.Append("## Cost per tenant\n\n");
        if (report.Scale.Count == 0)
        {
            text.Append("Not computed: the compute pool's server has no price with `vcpus` and `memoryGb` in `costs.prices`.\n\n");
        }
        else
        {
            text.Append("Each tenant using its whole quota (the spec's tenants' average), the Helix apps at their requests, and\n");
            text.Append($"{(CostAnalysis.Allocatable * 100).ToString("0", CultureInfo.InvariantCulture)} % of a compute server allocatable; the compute pool grows, everything else stays:\n\n");
            text.Append(Markdown.Table(["tenants", "compute servers", "monthly", "per tenant"],
                report.Scale.Select(s => (IReadOnlyList<string>)[$"{s.Tenants}", $"{s.ComputeNodes}", Markdown.Money(s.Monthly, currency), Markdown.Money(s.PerTenant, currency)])));
        }

        text.Append("## Storage\n\n");
        text.Append($"Volumes claimed: {Markdown.Number(report.Storage.ClaimedGb)} GB; Longhorn keeps {report.Storage.Replicas} replicas of each, so they take ");
        text.Append($"{Markdown.Number(report.Storage.NeededGb)} GB of the nodes' local disks");
        text.Append(report.Storage.AvailableGb is { } disk
            ? $", of {Markdown.Number(disk)} GB on the pools Longhorn uses{(disk < report.Storage.NeededGb ? " (**not enough**)" : "")}.\n\n"
            : " (the servers' disks are not in the price table).\n\n");
        text.Append(Markdown.Table(["part", "volumes", "size each", "why"],
            model.Declarations.SelectMany(d => d.Storage).Select(s => (IReadOnlyList<string>)[s.Part, $"{s.Claims}", s.Size, s.Why])));

        text.Append("## Prices used\n\n");
        text.Append(Markdown.Table(["provider", "item", "price", "recorded", "source"],
            report.Prices.Select(p => (IReadOnlyList<string>)[p.Provider, $"`{p.Item}`",
                $"{p.Price.ToString(CultureInfo.InvariantCulture)} {p.Currency ?? currency}", p.Date, p.Source])));
        if (model.Spec.Costs.ExchangeRates.Count > 0)
        {
            text.Append("Converted at ").Append(string.Join(", ", model.Spec.Costs.ExchangeRates.OrderBy(r => r.Key, StringComparer.Ordinal)
                .Select(r => $"1 {r.Key} = {r.Value.ToString(CultureInfo.InvariantCulture)} {currency}"))).Append(".\n\n");
        }

        text.Append("## Time to bring up\n\n");
        text.Append($"The runbook ([bring-up.md](bring-up.md)) has {BringUp.Stages.Count} stages, each needing what the one before made: ");
        text.Append(string.Join("; ", BringUp.Stages.Select((s, i) => $"{i + 1}. {s}"))).Append(".\n");
        var waves = model.Applications.GroupBy(a => a.Wave).OrderBy(g => g.Key).ToList();
        text.Append($"In stage 4 Argo CD syncs {model.Applications.Count} Applications in {waves.Count} waves; a wave starts when every Application before it\n");
        text.Append("is Healthy, so the waves are the critical path:\n\n");
        text.Append(Markdown.Table(["wave", "Applications", "they wait for"],
            waves.Select(w => (IReadOnlyList<string>)[$"{w.Key}", string.Join(", ", w.Select(a => $"`{a.Name}`")),
                string.Join(", ", w.SelectMany(a => a.DependsOn).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(d => $"`{d}`")) is { Length: > 0 } d ? d : "–"])));

        text.Append("## Complexity\n\n");
        var charts = model.Declarations.SelectMany(d => d.Charts).Distinct().ToList();
        var crds = model.Declarations.SelectMany(d => d.CrdsInstalled).Distinct().ToList();
        var secrets = model.Secrets();
        var owners = model.Parts.GroupBy(p => p.Owner).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}");
        var kinds = Kinds(gitOps);
        var kyverno = kinds.GetValueOrDefault("ClusterPolicy");
        var cilium = kinds.GetValueOrDefault("CiliumNetworkPolicy") + kinds.GetValueOrDefault("CiliumClusterwideNetworkPolicy");
        text.Append(Markdown.Table(["what", "how many", "of which"],
        [
            ["components", $"{model.Declarations.Count}", $"{model.Parts.Count} parts with pods of their own"],
            ["Helm charts", $"{charts.Count}", string.Join(", ", charts.Select(c => $"{c.Chart} {c.Version}"))],
            ["CRDs installed", $"{crds.Count}", $"{crds.Select(c => c.Group).Distinct(StringComparer.Ordinal).Count()} API groups"],
            ["Secrets", $"{secrets.Count}", string.Join(", ", secrets.GroupBy(s => s.Creator).OrderBy(g => g.Key).Select(g => $"{g.Count()} by {g.Key.ToString().ToLowerInvariant()}"))],
            ["flows", $"{model.Flows.Count + model.PeerFlows.Count}", $"{model.Flows.Count} between parts, {model.PeerFlows.Count} with the API server, nodes and the world"],
            ["policies the cluster enforces", $"{kyverno + cilium}", $"{kyverno} Kyverno policies, {cilium} Cilium network policies"],
            ["owners", $"{model.Parts.Select(p => p.Owner).Distinct().Count()}",
                $"parts by owner: {string.Join(", ", owners)}; Terraform also owns {model.TerraformResources.Count} kinds of cloud resource"],
            ["Terraform resources", $"{model.TerraformResources.Count}", string.Join(", ", model.TerraformResources)],
        ]));
        return text.ToString();
    }

    /// <summary>How many objects of each kind the rendered YAML holds, read in one pass.</summary>
    private static Dictionary<string, int> Kinds(FileSet files) =>
        files.Paths.Where(p => p.EndsWith(".yaml", StringComparison.Ordinal))
            .SelectMany(p => KindLine().Matches(files.Text(p)).Select(m => m.Groups[1].Value))
            .CountBy(kind => kind, StringComparer.Ordinal)
            .ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);

    [GeneratedRegex("^kind: ([A-Za-z]+)$", RegexOptions.Multiline)]
    private static partial Regex KindLine();
}
