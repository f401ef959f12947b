using System.CommandLine;
using Helix.Platform;

namespace Helix.Cli.Commands;

/// <summary><c>helix graph</c>: the architecture diagram (Mermaid), derived from the model.</summary>
internal static class GraphCommand
{
    public static Command Create(Cli cli)
    {
        var target = new Option<string>("--out") { Description = "Where the diagram is written", DefaultValueFactory = _ => "docs/architecture/platform.md" };
        var check = GeneratedFile.CheckOption();
        var command = new Command("graph", "Write the architecture diagram (Mermaid), derived from the model") { target, check };
        command.SetAction(result => cli.WithModel(result, model =>
            GeneratedFile.WriteOrCheck(cli, result.GetValue(target)!, PlatformCompiler.Diagram(model), result.GetValue(check), "helix graph")));
        return command;
    }
}
