using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Helix.Platform;
using Helix.Platform.Docs;
using Helix.Platform.Spec;

namespace Helix.Cli.Commands;

/// <summary><c>helix cost</c>: the monthly cost of the platform from the spec's price table, and what a spec change does to it.</summary>
internal static class CostCommand
{
    public static Command Create(Cli cli)
    {
        var compare = new Option<string?>("--compare") { Description = "Another spec (such as main's: git show main:platform/helix.yaml > /tmp/main.yaml) to show the difference against" };
        var command = new Command("cost", "Print the platform's monthly cost per item, per tenant at 10, 50 and 200 tenants, and against another spec")
        {
            compare,
        };
        command.SetAction(result => cli.WithModel(result, model =>
        {
            var current = CostAnalysis.Analyse(model);
            CostReport? other = null;
            if (result.GetValue(compare) is { } path)
            {
                var loaded = SpecLoader.Load(path);
                if (!loaded.Succeeded)
                {
                    cli.PrintErrors(loaded.Errors);
                    cli.Stderr.WriteLine($"{loaded.Errors.Count} error(s) in {path}");
                    return Cli.SpecInvalid;
                }
                other = CostAnalysis.Analyse(PlatformCompiler.Model(loaded));
                if (other.Currency != current.Currency)
                {
                    cli.Stderr.WriteLine($"{path} totals in {other.Currency}, {result.GetValue(cli.Spec)} in {current.Currency}: set the same costs.currency in both");
                    return Cli.SpecInvalid;
                }
            }
            if (cli.WantsJson(result))
            {
                cli.Stdout.WriteLine(JsonSerializer.Serialize(new
                {
                    current.Currency,
                    current.Total,
                    Lines = current.Lines.Select(l => new { l.Provider, l.Item, l.What, l.Quantity, l.UnitPrice, l.Monthly, l.Basis }),
                    Unpriced = current.Unpriced.Select(l => $"{l.Provider} {l.Item}").Distinct(StringComparer.Ordinal),
                    current.Scale,
                    Storage = new { current.Storage.ClaimedGb, current.Storage.Replicas, current.Storage.NeededGb, current.Storage.AvailableGb },
                    Compare = other is null ? null : new
                    {
                        other.Total,
                        Difference = current.Total - other.Total,
                        Lines = Differences(other, current).Select(d => new { d.Provider, d.Item, d.What, Before = d.Before, After = d.After, Difference = d.After - d.Before }),
                    },
                }, Cli.Json));
                return Cli.Done;
            }
            Print(cli, current);
            if (other is not null)
            {
                cli.Stdout.WriteLine();
                cli.Stdout.WriteLine(cli.Bold($"Against {result.GetValue(compare)}"));
                foreach (var (provider, item, what, before, after) in Differences(other, current).Where(d => d.Before != d.After))
                {
                    cli.Stdout.WriteLine($"  {what,-36} {provider,-8} {item,-20} {Money(before, current.Currency),14} -> {Money(after, current.Currency),14}  "
                        + $"({Signed(after - before, current.Currency)})");
                }
                cli.Stdout.WriteLine($"  total {Money(other.Total, current.Currency)} -> {Money(current.Total, current.Currency)} ({Signed(current.Total - other.Total, current.Currency)} a month)");
            }
            return Cli.Done;
        }));
        return command;
    }

    private static void Print(Cli cli, CostReport report)
    {
        foreach (var line in report.Lines)
        {
            var monthly = line.Monthly is { } m ? Money(m, report.Currency) : "no price";
            cli.Stdout.WriteLine($"  {line.What,-36} {line.Provider,-8} {line.Item,-20} {line.Quantity.ToString("#,0.##", CultureInfo.InvariantCulture),10} {monthly,14}");
        }
        cli.Stdout.WriteLine(cli.Bold($"Total: {Money(report.Total, report.Currency)} a month"));
        if (report.Unpriced.Count > 0)
        {
            cli.Stderr.WriteLine($"not priced (add them to costs.prices): {string.Join(", ", report.Unpriced.Select(l => $"{l.Provider} {l.Item}").Distinct(StringComparer.Ordinal))}");
        }
        foreach (var scale in report.Scale)
        {
            cli.Stdout.WriteLine($"  {scale.Tenants,4} tenants: {scale.ComputeNodes} compute servers, {Money(scale.Monthly, report.Currency)} a month, "
                + $"{Money(scale.PerTenant, report.Currency)} per tenant");
        }
    }

    /// <summary>Each line of either report, matched by provider, item and what, with its monthly cost before and after.</summary>
    private static IEnumerable<(string Provider, string Item, string What, decimal Before, decimal After)> Differences(CostReport before, CostReport after) =>
        before.Lines.Concat(after.Lines).Select(l => (l.Provider, l.Item, l.What)).Distinct()
            .Select(k => (k.Provider, k.Item, k.What,
                before.Lines.Where(l => (l.Provider, l.Item, l.What) == k).Sum(l => l.Monthly ?? 0),
                after.Lines.Where(l => (l.Provider, l.Item, l.What) == k).Sum(l => l.Monthly ?? 0)));

    private static string Money(decimal amount, string currency) => $"{amount.ToString("#,0.00", CultureInfo.InvariantCulture)} {currency}";

    private static string Signed(decimal amount, string currency) => (amount >= 0 ? "+" : "") + Money(amount, currency);
}
