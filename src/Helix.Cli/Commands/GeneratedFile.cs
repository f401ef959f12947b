using System.CommandLine;

namespace Helix.Cli.Commands;

/// <summary>Writes one generated file when it differs, or with <c>--check</c> only says whether it is stale (exit 1).</summary>
internal static class GeneratedFile
{
    public static int WriteOrCheck(Cli cli, string path, string content, bool check, string command)
    {
        var current = File.Exists(path) ? File.ReadAllText(path) : null;
        if (check)
        {
            if (current == content)
            {
                cli.Stdout.WriteLine($"{path} is up to date");
                return Cli.Done;
            }
            cli.Stderr.WriteLine($"{path} is stale: run '{command}' and commit the result");
            return Cli.Failed;
        }
        if (current == content)
        {
            cli.Stdout.WriteLine($"{path} unchanged");
            return Cli.Done;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, content);
        cli.Stdout.WriteLine($"wrote {path}");
        return Cli.Done;
    }

    public static Option<bool> CheckOption() => new("--check") { Description = "Write nothing; exit 1 when the file on disk differs" };
}
