using System.CommandLine;
using System.Text.Json;
using Helix.Platform;
using Helix.Platform.Simulation;
using Helix.Platform.Verification;

namespace Helix.Cli.Commands;

/// <summary><c>helix bring-up</c>: the platform's bring-up simulated offline, wave by wave, with what each Application waits for and what stops it.</summary>
internal static class BringUpCommand
{
    public static Command Create(Cli cli)
    {
        var tree = new Option<string>("--tree") { Description = "Simulate this tree on disk (a repository root or its gitops/ folder) instead of a fresh render" };
        var objects = new Option<bool>("--objects") { Description = "Print every object with what it waits for, not only each Application's summary" };
        var command = new Command("bring-up", "Simulate the bring-up offline: the runbook's hand installs, then every sync wave of the root app-of-apps "
            + "over the tree and the charts' real output; exit 1 when an Application would not become Healthy")
        {
            tree, objects,
        };
        command.SetAction(result => cli.WithModel(result, model =>
        {
            var verification = result.GetValue(tree) is { } root
                ? Directory.Exists(root) ? PlatformCompiler.Verify(root, model) : null
                : Cli.RenderAndVerify(model, cli.Stderr).Verification;
            if (verification is null)
            {
                cli.Stderr.WriteLine($"{result.GetValue(tree)}: no such directory (pass the tree with --tree)");
                return Cli.SpecInvalid;
            }
            var charts = PlatformCompiler.VerifyCharts(verification.Tree, model, Environment.GetEnvironmentVariable);
            if (charts.Error is { } error)
            {
                cli.Stderr.WriteLine($"charts: {error} (install Helm v4: scripts/tools.sh install)");
                return Cli.Failed;
            }
            var report = PlatformCompiler.BringUp(verification.Tree, charts, model);
            if (cli.WantsJson(result))
            {
                cli.Stdout.WriteLine(JsonSerializer.Serialize(new
                {
                    cameUp = report.CameUp,
                    firstBlocked = report.FirstBlocked?.Name,
                    applications = report.Applications.Select(a => new
                    {
                        a.Name,
                        Stage = Stage(a),
                        a.Project,
                        a.Namespace,
                        a.Healthy,
                        a.Blocker,
                        Objects = a.Objects.Select(o => new { o.Resource, o.Source, o.WaitsFor, o.Findings }),
                    }),
                    warnings = report.Warnings,
                }, Cli.Json));
                return report.CameUp ? Cli.Done : Cli.Failed;
            }
            Print(cli, report, result.GetValue(objects));
            return report.CameUp ? Cli.Done : Cli.Failed;
        }));
        return command;
    }

    private static string Stage(SimulatedApplication app) =>
        app.ByHand ? "by hand" : app.Wave == int.MinValue ? "bootstrap" : $"wave {app.Wave}";

    private static void Print(Cli cli, BringUpReport report, bool everyObject)
    {
        var blocked = report.FirstBlocked;
        foreach (var stage in report.Applications.GroupBy(Stage))
        {
            cli.Stdout.WriteLine(cli.Bold(stage.Key));
            foreach (var app in stage)
            {
                var waiting = blocked is not null && !blocked.ByHand && app != blocked && report.Applications.ToList().IndexOf(app) > report.Applications.ToList().IndexOf(blocked)
                    && app.Wave > blocked.Wave;
                var status = !app.Healthy ? cli.Red("blocked") : waiting ? $"waits for {blocked!.Name}" : "Healthy";
                cli.Stdout.WriteLine($"  {app.Name} ({app.Project} -> {app.Namespace}): {app.Objects.Count} objects, {status}");
                // What the Application waits for from others: the CRDs, namespaces, Secrets and volumes earlier steps provide.
                var from = app.Objects.SelectMany(o => o.WaitsFor).Where(w => !w.EndsWith(": the cluster", StringComparison.Ordinal))
                    .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                if (everyObject)
                {
                    foreach (var o in app.Objects)
                    {
                        cli.Stdout.WriteLine($"    {o.Resource}{(o.WaitsFor.Count == 0 ? "" : $" waits for {string.Join("; ", o.WaitsFor)}")}");
                    }
                }
                else if (from.Count > 0)
                {
                    cli.Stdout.WriteLine($"    waits for: {string.Join("; ", from)}");
                }
                foreach (var finding in app.Findings.Where(f => f.Severity == Severity.Error))
                {
                    cli.Stdout.WriteLine($"    {cli.Red(finding == app.Blocker ? "first blocker" : "error")} {finding.Resource}: [{finding.Rule}] {finding.Message}");
                    cli.Stdout.WriteLine($"      fix: {finding.Fix}");
                }
            }
        }
        foreach (var warning in report.Warnings)
        {
            cli.Stdout.WriteLine($"warning {warning.File}: {warning.Resource}: [{warning.Rule}] {warning.Message}");
        }
        cli.Stdout.WriteLine(blocked is null
            ? $"{report.Applications.Count} Applications come up, every wave Healthy"
            : $"the bring-up stops at {blocked.Name} ({Stage(blocked)}): {blocked.Blocker!.Resource}: {blocked.Blocker.Message}");
    }
}
