using System.CommandLine;
using Helix.Platform;
using Helix.Platform.Model;
using Helix.Platform.Verification;
using static Helix.Cli.Cli;

namespace Helix.Cli.Commands;

/// <summary><c>helix verify</c>: the render of the spec, or a tree on disk (hand edits included), through every rule.</summary>
internal static class VerifyCommand
{
    public static Command Create(Cli cli)
    {
        var tree = new Option<string>("--tree")
        {
            Description = "Verify this tree on disk (a repository root, or its gitops/ folder: what ArgoCD syncs and infra/ beside it, hand edits included) instead of a fresh render",
        };
        var matrix = new Option<bool>("--matrix") { Description = "Also print the reachability matrix by zone, and who reaches the world" };
        var svg = new Option<string?>("--svg") { Description = "With --matrix: write the matrix as an SVG picture to this path" };
        var noCharts = new Option<bool>("--no-charts")
        {
            Description = "Skip the charts: by default every pinned chart is rendered with Helm v4 (HELIX_HELM or helm on PATH; charts from HELIX_CHARTS) "
                + "and its values, output and install order checked, and the bring-up simulated",
        };
        var command = new Command("verify", "Verify the render of the spec, or a tree on disk: the charts' real output, the bring-up, schemas, zero trust, "
            + "signatures, SSO, waves, owners, workloads, secrets, infra; exit 1 on any error") { tree, matrix, svg, noCharts };
        command.SetAction(result =>
        {
            var json = cli.WantsJson(result);
            if (result.GetValue(tree) is not { } root)
            {
                return cli.WithModel(result, model =>
                {
                    var (files, verification) = Cli.RenderAndVerify(model, cli.Stderr);
                    Matrix(result, verification, model);
                    return Report(result, verification, model, $"the render of {result.GetValue(cli.Spec)} ({files.Paths.Count} files)", json);
                });
            }
            if (!Directory.Exists(root))
            {
                cli.Stderr.WriteLine($"{root}: no such directory (pass the tree with --tree)");
                return Cli.SpecInvalid;
            }
            var specPath = result.GetValue(cli.Spec)!;
            if (!File.Exists(specPath))
            {
                cli.Stderr.WriteLine($"no spec at {specPath}: checking {root} without the platform's statement of intent");
                return Report(result, PlatformCompiler.Verify(root, null), null, root, json);
            }
            return cli.WithModel(result, model =>
            {
                var verification = PlatformCompiler.Verify(root, model);
                Matrix(result, verification, model);
                return Report(result, verification, model, root, json);
            });
        });
        return command;

        int Report(ParseResult result, VerificationResult verification, PlatformModel? model, string what, bool json)
        {
            if (result.GetValue(noCharts))
            {
                return cli.Report(verification.Findings, [], what, json);
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var report = PlatformCompiler.VerifyCharts(verification.Tree, model, Environment.GetEnvironmentVariable);
            if (report.Error is { } error)
            {
                cli.Stderr.WriteLine($"charts: {error}");
                return cli.Report([.. verification.Findings, new Finding(Severity.Error, "-", "-", "chart-tool", error, "install Helm v4: scripts/tools.sh install")], [], what, json);
            }
            cli.Stderr.WriteLine($"rendered {report.Charts.Count} charts in {clock.ElapsedMilliseconds} ms "
                + $"({report.Charts.Count(c => c.FromCache)} from the output cache, Helm {report.HelmTime.TotalMilliseconds:0} ms)");
            var summaries = report.Charts.Select(c => new ChartSummary(c.Release.Application, c.Release.Pin.Chart, c.Release.Pin.Version, c.Release.Wave, c.Objects.Count, c.Findings.Count,
                c.Images)).ToList();
            if (!json)
            {
                foreach (var chart in summaries)
                {
                    cli.Stdout.WriteLine($"chart {chart.Chart} {chart.Version} ({chart.Application}, wave {chart.Wave}): "
                        + $"{chart.Objects} objects, {chart.Images.Count} images, {chart.Findings} finding(s)");
                }
            }
            if (model is null)
            {
                return cli.Report([.. verification.Findings, .. report.Findings], summaries, what, json);
            }
            // With the spec, install order is the bring-up simulation's to report (hand installs included), once.
            var bringUp = PlatformCompiler.BringUp(verification.Tree, report, model);
            return cli.Report([.. verification.Findings, .. report.FindingsBesideInstallOrder, .. bringUp.Findings], summaries, what, json);
        }

        void Matrix(ParseResult result, VerificationResult verification, PlatformModel model)
        {
            if (!result.GetValue(matrix))
            {
                return;
            }
            var report = PlatformCompiler.Reachability(verification, model);
            cli.Stdout.Write(PlatformCompiler.MatrixTable(report));
            cli.Stdout.WriteLine();
            if (result.GetValue(svg) is { } svgPath)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(svgPath))!);
                File.WriteAllText(svgPath, PlatformCompiler.MatrixSvg(report));
                cli.Stdout.WriteLine($"wrote {svgPath}");
            }
        }
    }
}
