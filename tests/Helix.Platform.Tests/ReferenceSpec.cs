namespace Helix.Platform.Tests;

/// <summary>The committed reference platform, and edits of it for error cases.</summary>
internal static class ReferenceSpec
{
    public static string Path { get; } = Locate();

    public static string Text => File.ReadAllText(Path);

    private static readonly Lazy<Model.PlatformModel> Built = new(() => PlatformCompiler.Model(Spec.SpecLoader.Load(Path).Spec!));

    /// <summary>The reference platform's model, built once (it is immutable).</summary>
    public static Model.PlatformModel Model => Built.Value;

    /// <summary>The reference text with <paramref name="find"/> replaced; fails if it is not there exactly once.</summary>
    public static string With(string find, string replace)
    {
        var text = Text;
        var at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0 && text.IndexOf(find, at + 1, StringComparison.Ordinal) < 0, $"'{find}' is not in the reference spec exactly once");
        return string.Concat(text.AsSpan(0, at), replace, text.AsSpan(at + find.Length));
    }

    /// <summary>1-based line of the first line of <paramref name="text"/> containing <paramref name="needle"/>.</summary>
    public static int LineOf(string text, string needle)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Contains(needle, StringComparison.Ordinal))
            {
                return i + 1;
            }
        }
        throw new InvalidOperationException($"'{needle}' not found");
    }

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Helix.slnx")))
            {
                return System.IO.Path.Combine(dir.FullName, "platform", "helix.yaml");
            }
        }
        throw new InvalidOperationException("the repository root (Helix.slnx) is not above the test binaries");
    }
}
