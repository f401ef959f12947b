using System.CommandLine;
using System.Text.Json;
using Helix.Platform;

namespace Helix.Cli.Commands;

/// <summary><c>helix diff</c>: what render would change on disk; exit 1 when the committed tree is stale.</summary>
internal static class DiffCommand
{
    public static Command Create(Cli cli)
    {
        var outDir = Cli.OutDir();
        var command = new Command("diff", "Show what render would change on disk, as a unified diff; exit 1 when the tree is stale") { outDir };
        command.SetAction(result => cli.WithModel(result, model =>
        {
            var (files, _) = PlatformCompiler.RenderAndVerify(model);
            var changes = files.Diff(result.GetValue(outDir)!, PlatformCompiler.OwnedFolders);
            if (cli.WantsJson(result))
            {
                cli.Stdout.WriteLine(JsonSerializer.Serialize(changes, Cli.Json));
            }
            else
            {
                foreach (var change in changes)
                {
                    cli.Stdout.Write(cli.Colour ? Colourise(change.UnifiedDiff) : change.UnifiedDiff);
                }
                cli.Stderr.WriteLine(changes.Count == 0 ? "up to date" : $"{changes.Count} file(s) differ: run 'helix render' and commit the result");
            }
            return changes.Count == 0 ? Cli.Done : Cli.Failed;
        }));
        return command;
    }

    private static string Colourise(string diff) => string.Concat(diff.Split('\n').Select(line => line switch
    {
        "" => "",
        _ when line.StartsWith("+++", StringComparison.Ordinal) || line.StartsWith("---", StringComparison.Ordinal) => $"\u001b[1m{line}\u001b[0m\n",
        _ when line.StartsWith('+') => $"\u001b[32m{line}\u001b[0m\n",
        _ when line.StartsWith('-') => $"\u001b[31m{line}\u001b[0m\n",
        _ when line.StartsWith("@@", StringComparison.Ordinal) => $"\u001b[36m{line}\u001b[0m\n",
        _ => line + "\n",
    }));
}
