using System.CommandLine;
using Helix.Platform;
using Helix.Platform.Model;
using Helix.Platform.Verification;

namespace Helix.Cli.Commands;

/// <summary><c>helix verify</c>: the render of the spec, or a tree on disk (hand edits included), through every rule.</summary>
internal static class VerifyCommand
{
    public static Command Create(Cli cli)
    {
        var tree = new Option<string>("--tree") { Description = "Verify this tree on disk (a repository root, or its gitops/ folder: what ArgoCD syncs and infra/ beside it, hand edits included) instead of a fresh render" };
        var matrix = new Option<bool>("--matrix") { Description = "Also print the reachability matrix by zone, and who reaches the world" };
        var svg = new Option<string?>("--svg") { Description = "With --matrix: write the matrix as an SVG picture to this path" };
        var command = new Command("verify", "Verify the render of the spec, or a tree on disk: schemas, zero trust, signatures, SSO, waves, owners, workloads, secrets, infra; exit 1 on any error") { tree, matrix, svg };
        command.SetAction(result =>
        {
            var json = cli.WantsJson(result);
            if (result.GetValue(tree) is not { } root)
            {
                return cli.WithModel(result, model =>
                {
                    var (files, verification) = Cli.RenderAndVerify(model, cli.Stderr);
                    Matrix(result, verification, model);
                    return cli.Report(verification.Findings, $"the render of {result.GetValue(cli.Spec)} ({files.Paths.Count} files)", json);
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
                return cli.Report(PlatformCompiler.Verify(root, null).Findings, root, json);
            }
            return cli.WithModel(result, model =>
            {
                var verification = PlatformCompiler.Verify(root, model);
                Matrix(result, verification, model);
                return cli.Report(verification.Findings, root, json);
            });
        });
        return command;

        void Matrix(ParseResult result, VerificationResult verification, PlatformModel model)
        {
            if (!result.GetValue(matrix))
            {
                return;
            }
            var report = verification.Reachability ?? Reachability.Analyse(verification.Tree.Objects, model);
            cli.Stdout.Write(MatrixView.Table(report));
            cli.Stdout.WriteLine();
            if (result.GetValue(svg) is { } svgPath)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(svgPath))!);
                File.WriteAllText(svgPath, MatrixView.Svg(report));
                cli.Stdout.WriteLine($"wrote {svgPath}");
            }
        }
    }
}
