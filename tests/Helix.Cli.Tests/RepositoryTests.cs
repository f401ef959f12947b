namespace Helix.Cli.Tests;

/// <summary>The repository's own house rules that no compiler checks: the line-length limit <c>.editorconfig</c> sets for C#.</summary>
public sealed class RepositoryTests
{
    private static readonly string Root = FindRoot();
    private static readonly string[] Folders = ["src", "tests", "bench"];

    [Fact]
    public void NoCSharpLine_IsLongerThanTheEditorConfigLimit()
    {
        var limit = int.Parse(File.ReadLines(Path.Combine(Root, ".editorconfig"))
            .SkipWhile(l => l.Trim() != "[*.cs]").Select(l => l.Split('=', 2)).First(p => p[0].Trim() == "max_line_length")[1].Trim(),
            System.Globalization.CultureInfo.InvariantCulture);
        var longLines = Folders
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(file => !file.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .SelectMany(file => File.ReadLines(file).Select((line, i) => (File: Path.GetRelativePath(Root, file), Line: i + 1, line.Length)))
            .Where(l => l.Length > limit)
            .Select(l => $"{l.File}:{l.Line} has {l.Length} characters")
            .ToList();

        Assert.True(limit is >= 80 and <= 200, $"max_line_length {limit}");
        Assert.True(longLines.Count == 0, $"lines over {limit} characters:\n{string.Join('\n', longLines)}");
    }

    private static string FindRoot()
    {
        var directory = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(directory, "Helix.slnx")))
        {
            directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("the repository root was not found");
        }
        return directory;
    }
}
