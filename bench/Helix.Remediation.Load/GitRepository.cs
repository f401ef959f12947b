using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Helix.Remediation.Load;

/// <summary>A bare repository on the harness's git server, written with <c>git fast-import</c> (the fastest way to 10,000 commits).</summary>
internal sealed class GitRepository(string path)
{
    private long _clock = DateTimeOffset.UtcNow.AddDays(-30).ToUnixTimeSeconds();

    public string Path { get; } = path;

    public static GitRepository Create(string root)
    {
        var path = System.IO.Path.Combine(root, $"bench-{Guid.NewGuid():N}.git");
        Run(null, "git", "init", "--quiet", "--bare", "--initial-branch=main", path);
        return new GitRepository(path);
    }

    /// <summary>Appends commits to <c>main</c>, each rewriting one file; returns the new head.</summary>
    public string Commit(IEnumerable<(string Message, string File, string Content)> commits)
    {
        var stream = new StringBuilder();
        var first = true;
        foreach (var (message, file, content) in commits)
        {
            stream.Append("commit refs/heads/main\n");
            stream.Append(CultureInfo.InvariantCulture, $"committer Dev <dev@example.com> {_clock++} +0000\n");
            Data(stream, message);
            if (first && Head() is { } head)
            {
                stream.Append(CultureInfo.InvariantCulture, $"from {head}\n");
            }
            first = false;
            stream.Append(CultureInfo.InvariantCulture, $"M 100644 inline {file}\n");
            Data(stream, content);
            stream.Append('\n');
        }
        Run(stream.ToString(), "git", "--git-dir", Path, "fast-import", "--quiet");
        return Head()!;
    }

    public string? Head()
    {
        var (code, output) = Run(null, "git", "--git-dir", Path, "rev-parse", "--verify", "--quiet", "refs/heads/main");
        return code == 0 ? output.Trim() : null;
    }

    private static void Data(StringBuilder stream, string text) =>
        stream.Append(CultureInfo.InvariantCulture, $"data {Encoding.UTF8.GetByteCount(text)}\n{text}\n");

    private static (int Code, string Output) Run(string? input, string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardInput = input is not null, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 && !(arguments.Contains("rev-parse")))
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)}: {error}");
        }
        return (process.ExitCode, output);
    }
}
