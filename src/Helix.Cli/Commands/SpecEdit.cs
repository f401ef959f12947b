using Helix.Platform;
using Helix.Platform.Spec;

namespace Helix.Cli.Commands;

/// <summary>
/// Applies an edit to the spec's text, and writes the spec and its render only when the edited
/// spec loads and its render verifies: a refused edit leaves every file as it was.
/// </summary>
internal static class SpecEdit
{
    public static int Apply(Cli cli, string specPath, Func<string, string?> edit, string refused, string done, string outDir)
    {
        if (!File.Exists(specPath))
        {
            cli.Stderr.WriteLine($"{specPath}: no such spec (pass it with --spec)");
            return Cli.SpecInvalid;
        }
        var text = File.ReadAllText(specPath);
        if (edit(text) is not { } edited)
        {
            cli.Stderr.WriteLine($"{specPath}: {refused}");
            return Cli.SpecInvalid;
        }
        var loaded = SpecLoader.Parse(edited, specPath);
        if (!loaded.Succeeded)
        {
            cli.PrintErrors(loaded.Errors);
            cli.Stderr.WriteLine("nothing written: the spec would not load");
            return Cli.SpecInvalid;
        }
        var (files, verification) = Cli.RenderAndVerify(PlatformCompiler.Model(loaded), cli.Stderr);
        if (!verification.Passed)
        {
            cli.Report(verification.Findings, [], "the render", false);
            cli.Stderr.WriteLine("nothing written: the render does not pass verification");
            return Cli.Failed;
        }
        File.WriteAllText(specPath, edited);
        var changes = files.Write(outDir, PlatformCompiler.OwnedFolders);
        cli.PrintChanges(changes);
        cli.Stdout.WriteLine($"{done}: {specPath} and {changes.Count} rendered file(s) changed; review and commit them together");
        return Cli.Done;
    }
}
