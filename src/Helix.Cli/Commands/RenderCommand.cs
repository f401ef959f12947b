using System.CommandLine;
using System.Text.Json;
using Helix.Platform;
using Helix.Platform.Output;

namespace Helix.Cli.Commands;

/// <summary><c>helix render</c>: writes the render of the spec, only when it verifies, and only what changed.</summary>
internal static class RenderCommand
{
    public static Command Create(Cli cli)
    {
        var outDir = Cli.OutDir();
        var command = new Command("render", "Render the GitOps tree and the architecture diagram from the spec, verified before anything is written") { outDir };
        command.SetAction(result => cli.WithModel(result, model =>
        {
            var (files, verification) = Cli.RenderAndVerify(model, cli.Stderr);
            if (!verification.Passed)
            {
                cli.Report(verification.Findings, [], "the render", cli.WantsJson(result));
                cli.Stderr.WriteLine("nothing written: the render does not pass verification");
                return Cli.Failed;
            }
            var changes = files.Write(result.GetValue(outDir)!, PlatformCompiler.OwnedFolders);
            if (cli.WantsJson(result))
            {
                cli.Stdout.WriteLine(JsonSerializer.Serialize(changes.Select(c => new { c.Path, c.Kind }), Cli.Json));
                return Cli.Done;
            }
            cli.PrintChanges(changes);
            cli.Stdout.WriteLine($"{changes.Count} file(s) changed, {files.Paths.Count - changes.Count(c => c.Kind != FileChangeKind.Deleted)} unchanged");
            return Cli.Done;
        }));
        return command;
    }
}
