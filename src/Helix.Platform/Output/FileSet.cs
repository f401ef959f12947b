using System.Text;
using DiffPlex;

namespace Helix.Platform.Output;

/// <summary>A change a render would make on disk.</summary>
public sealed record FileChange(string Path, FileChangeKind Kind, string UnifiedDiff);

public enum FileChangeKind
{
    Added,
    Modified,
    Deleted,
}

/// <summary>
/// Everything a render produces: repository-relative path to bytes, in memory, sorted by path.
/// Written to disk only where bytes differ; files under the owned folders that the render no
/// longer produces are removed, so a deleted tenant leaves nothing behind (except the operators'
/// SOPS-encrypted <c>*.sops.yaml</c> Secrets, which Helix never writes and never deletes).
/// </summary>
public sealed class FileSet
{
    private readonly SortedDictionary<string, byte[]> _files = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Paths => _files.Keys;

    public void Add(string path, string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(text);
        if (Path.IsPathRooted(path) || path.Contains('\\', StringComparison.Ordinal) || path.Split('/').Contains(".."))
        {
            throw new ArgumentException($"'{path}' is not a repository-relative path with forward slashes", nameof(path));
        }
        var normalized = text.ReplaceLineEndings("\n");
        if (!normalized.EndsWith('\n'))
        {
            normalized += "\n";
        }
        if (!_files.TryAdd(path, Encoding.UTF8.GetBytes(normalized)))
        {
            throw new InvalidOperationException($"two parts of the render both write {path}");
        }
    }

    /// <summary>Adds a file of the render, with the notice that it is generated (<see cref="GeneratedHeader"/>).</summary>
    public void AddGenerated(string path, string text) => Add(path, GeneratedHeader.Stamp(path, text));

    public string Text(string path) => Encoding.UTF8.GetString(_files[path]);

    /// <summary>What <see cref="Write"/> would change under <paramref name="root"/>, as unified diffs.</summary>
    public IReadOnlyList<FileChange> Diff(string root, IReadOnlyList<string> ownedFolders)
    {
        ArgumentNullException.ThrowIfNull(root);
        var changes = new List<FileChange>();
        foreach (var (path, bytes) in _files)
        {
            var full = Path.Combine(root, path);
            if (!File.Exists(full))
            {
                changes.Add(new FileChange(path, FileChangeKind.Added, Unified(path, "", Encoding.UTF8.GetString(bytes))));
            }
            else if (!File.ReadAllBytes(full).AsSpan().SequenceEqual(bytes))
            {
                changes.Add(new FileChange(path, FileChangeKind.Modified, Unified(path, File.ReadAllText(full), Encoding.UTF8.GetString(bytes))));
            }
        }
        foreach (var stale in Stale(root, ownedFolders))
        {
            changes.Add(new FileChange(stale, FileChangeKind.Deleted, Unified(stale, File.ReadAllText(Path.Combine(root, stale)), "")));
        }
        return changes.OrderBy(c => c.Path, StringComparer.Ordinal).ToList();
    }

    /// <summary>Writes what differs and removes stale files of the owned folders; returns what changed.</summary>
    public IReadOnlyList<FileChange> Write(string root, IReadOnlyList<string> ownedFolders)
    {
        var changes = Diff(root, ownedFolders);
        foreach (var change in changes)
        {
            var full = Path.Combine(root, change.Path);
            if (change.Kind == FileChangeKind.Deleted)
            {
                File.Delete(full);
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, _files[change.Path]);
        }
        return changes;
    }

    private IEnumerable<string> Stale(string root, IReadOnlyList<string> ownedFolders)
    {
        foreach (var folder in ownedFolders)
        {
            var full = Path.Combine(root, folder);
            if (!Directory.Exists(full))
            {
                continue;
            }
            foreach (var file in Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                // SOPS-encrypted Secrets are the operators' files in Helix's folders: never stale.
                if (!_files.ContainsKey(relative) && !relative.EndsWith(".sops.yaml", StringComparison.Ordinal))
                {
                    yield return relative;
                }
            }
        }
    }

    /// <summary>A unified diff (3 lines of context) of one file, as <c>git diff</c> prints it.</summary>
    internal static string Unified(string path, string before, string after)
    {
        var result = Differ.Instance.CreateLineDiffs(before, after, ignoreWhitespace: false, ignoreCase: false);
        var a = result.PiecesOld;
        var b = result.PiecesNew;
        var text = new StringBuilder();
        text.Append("--- ").Append(before.Length == 0 ? "/dev/null" : "a/" + path).Append('\n');
        text.Append("+++ ").Append(after.Length == 0 ? "/dev/null" : "b/" + path).Append('\n');
        const int Context = 3;
        var blocks = result.DiffBlocks;
        var i = 0;
        while (i < blocks.Count)
        {
            // Blocks closer than twice the context share one hunk.
            var j = i;
            while (j + 1 < blocks.Count && blocks[j + 1].DeleteStartA - (blocks[j].DeleteStartA + blocks[j].DeleteCountA) <= 2 * Context)
            {
                j++;
            }
            var startA = Math.Max(0, blocks[i].DeleteStartA - Context);
            var startB = Math.Max(0, blocks[i].InsertStartB - Context);
            var endA = Math.Min(a.Count, blocks[j].DeleteStartA + blocks[j].DeleteCountA + Context);
            var endB = Math.Min(b.Count, blocks[j].InsertStartB + blocks[j].InsertCountB + Context);
            text.Append($"@@ -{(endA - startA == 0 ? startA : startA + 1)},{endA - startA} +{(endB - startB == 0 ? startB : startB + 1)},{endB - startB} @@\n");
            var lineA = startA;
            for (var k = i; k <= j; k++)
            {
                var block = blocks[k];
                for (; lineA < block.DeleteStartA; lineA++)
                {
                    text.Append(' ').Append(a[lineA]).Append('\n');
                }
                for (var d = 0; d < block.DeleteCountA; d++)
                {
                    text.Append('-').Append(a[block.DeleteStartA + d]).Append('\n');
                }
                for (var n = 0; n < block.InsertCountB; n++)
                {
                    text.Append('+').Append(b[block.InsertStartB + n]).Append('\n');
                }
                lineA = block.DeleteStartA + block.DeleteCountA;
            }
            for (; lineA < endA; lineA++)
            {
                text.Append(' ').Append(a[lineA]).Append('\n');
            }
            i = j + 1;
        }
        return text.ToString();
    }
}
