using System.CommandLine;
using Helix.Platform.Spec;

namespace Helix.Cli.Commands;

/// <summary><c>helix schema</c>: the spec's JSON Schema, generated from its records.</summary>
internal static class SchemaCommand
{
    public static Command Create(Cli cli)
    {
        var target = new Option<string>("--out") { Description = "Where the JSON Schema is written", DefaultValueFactory = _ => "platform/helix.schema.json" };
        var check = GeneratedFile.CheckOption();
        var command = new Command("schema", "Write the JSON Schema of the spec, generated from its records") { target, check };
        command.SetAction(result => GeneratedFile.WriteOrCheck(cli, result.GetValue(target)!, SpecSchema.Generate(), result.GetValue(check), "helix schema"));
        return command;
    }
}
