using System.CommandLine;
using Helix.Platform.Spec;

namespace Helix.Cli.Commands;

/// <summary><c>helix offboard</c>: removes a tenant from the spec and renders without it.</summary>
internal static class OffboardCommand
{
    public static Command Create(Cli cli)
    {
        var tenantName = new Argument<string>("tenant") { Description = "The tenant to remove, with everything rendered for it" };
        var outDir = Cli.OutDir();
        var command = new Command("offboard", "Remove a tenant from the spec and render: its namespace, quota, policies and project go") { tenantName, outDir };
        command.SetAction(result =>
        {
            var name = result.GetValue(tenantName)!;
            return SpecEdit.Apply(cli, result.GetValue(cli.Spec)!, text => SpecEditor.RemoveTenant(text, name),
                $"the spec has no tenant '{name}'", $"offboarded {name}", result.GetValue(outDir)!);
        });
        return command;
    }
}
