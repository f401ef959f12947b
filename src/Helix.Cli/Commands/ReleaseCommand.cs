using System.CommandLine;
using System.Text.RegularExpressions;
using Helix.Platform.Spec;

namespace Helix.Cli.Commands;

/// <summary><c>helix release</c>: pins released images by digest in the spec and renders (the promotion commit).</summary>
internal static partial class ReleaseCommand
{
    [GeneratedRegex("^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?@sha256:[a-f0-9]{64}$")]
    private static partial Regex Digest();

    public static Command Create(Cli cli)
    {
        var images = new Option<string[]>("--image") { Description = "A released image pinned by digest, name@sha256:<64 hex> (repeatable)", Required = true, AllowMultipleArgumentsPerToken = true };
        var outDir = Cli.OutDir();
        var command = new Command("release", "Pin released images by digest in the spec and render: the promotion commit of the delivery pipeline") { images, outDir };
        command.SetAction(result =>
        {
            var pinned = result.GetValue(images) ?? [];
            foreach (var image in pinned.Where(i => !Digest().IsMatch(i)))
            {
                cli.Stderr.WriteLine($"--image {image}: pin it by digest, as name@sha256:<64 hex digits> (the digest the CI pushed and signed)");
                return Cli.SpecInvalid;
            }
            return SpecEdit.Apply(cli, result.GetValue(cli.Spec)!, text =>
                pinned.Aggregate<string, string?>(text, (current, image) => current is null ? null : SpecEditor.SetImage(current, image)),
                $"no app runs {string.Join(" or ", pinned.Select(SpecEditor.Repository))}", $"released {pinned.Length} image(s)", result.GetValue(outDir)!);
        });
        return command;
    }
}
