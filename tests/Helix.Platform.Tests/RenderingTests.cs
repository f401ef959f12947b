using System.Text;
using Helix.Platform.Output;

namespace Helix.Platform.Tests;

public sealed class RenderingTests
{
    private sealed record Sample(string ApiVersion, string Kind, SampleMeta Metadata, IReadOnlyList<string> Items, string? Missing = null);

    private sealed record SampleMeta(string Name, IReadOnlyDictionary<string, string> Labels);

    private static Sample Object() => new("v1", "ConfigMap", new SampleMeta("cfg", new Dictionary<string, string>
    {
        ["app.kubernetes.io/name"] = "helix",
        ["enabled"] = "true",
        ["version"] = "1.0",
        ["empty"] = "",
    }), ["a", "on", "#not-a-comment"]);

    [Fact]
    public void Yaml_KeepsDeclarationOrder_OmitsNulls_AndQuotesWhatYamlWouldMisread()
    {
        var yaml = YamlWriter.Write(Object());
        Assert.Equal(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: cfg
              labels:
                app.kubernetes.io/name: helix
                enabled: "true"
                version: "1.0"
                empty: ""
            items:
              - a
              - "on"
              - '#not-a-comment'

            """.ReplaceLineEndings("\n"), yaml);
    }

    [Fact]
    public void Yaml_IsByteIdenticalAcrossRuns_AndSeparatesDocuments()
    {
        var all = YamlWriter.WriteAll([Object(), Object()]);
        Assert.Equal(all, YamlWriter.WriteAll([Object(), Object()]));
        Assert.Single(all.Split("\n---\n"), part => part.Length > 0 && part.EndsWith("#not-a-comment'", StringComparison.Ordinal));
        Assert.DoesNotContain("\r", all, StringComparison.Ordinal);
    }

    [Fact]
    public void FileSet_RefusesPathsOutsideTheRepository_AndTwoWritersOfOneFile()
    {
        var files = new FileSet();
        Assert.Throws<ArgumentException>(() => files.Add("/etc/passwd", "x"));
        Assert.Throws<ArgumentException>(() => files.Add("gitops/../../x", "x"));
        Assert.Throws<ArgumentException>(() => files.Add("gitops\\x.yaml", "x"));
        files.Add("gitops/a.yaml", "a: 1");
        Assert.Throws<InvalidOperationException>(() => files.Add("gitops/a.yaml", "a: 2"));
        Assert.Equal("a: 1\n", files.Text("gitops/a.yaml")); // final newline added
    }

    [Fact]
    public void FileSet_WritesOnlyWhatDiffers_RemovesStaleOwnedFiles_AndLeavesTheRestAlone()
    {
        var root = Directory.CreateTempSubdirectory("helix-render-");
        try
        {
            Directory.CreateDirectory(Path.Combine(root.FullName, "gitops", "tenants", "gone"));
            File.WriteAllText(Path.Combine(root.FullName, "gitops", "tenants", "gone", "ns.yaml"), "old\n");
            File.WriteAllText(Path.Combine(root.FullName, "gitops", "tenants", "gone", "db.sops.yaml"), "sops: {}\n");
            Directory.CreateDirectory(Path.Combine(root.FullName, "docs"));
            File.WriteAllText(Path.Combine(root.FullName, "docs", "notes.md"), "mine\n");

            var files = new FileSet();
            files.Add("gitops/platform/a.yaml", "a: 1\nb: 2\n");
            var first = files.Write(root.FullName, ["gitops"]);

            Assert.Equal([("gitops/platform/a.yaml", FileChangeKind.Added), ("gitops/tenants/gone/ns.yaml", FileChangeKind.Deleted)],
                first.Select(c => (c.Path, c.Kind)));
            Assert.False(File.Exists(Path.Combine(root.FullName, "gitops", "tenants", "gone", "ns.yaml")));
            Assert.True(File.Exists(Path.Combine(root.FullName, "gitops", "tenants", "gone", "db.sops.yaml"))); // an operator's encrypted Secret stays
            Assert.Equal("mine\n", File.ReadAllText(Path.Combine(root.FullName, "docs", "notes.md")));

            var stamp = File.GetLastWriteTimeUtc(Path.Combine(root.FullName, "gitops", "platform", "a.yaml"));
            Assert.Empty(files.Write(root.FullName, ["gitops"])); // a second render changes nothing
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(root.FullName, "gitops", "platform", "a.yaml")));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void FileSet_DiffIsAUnifiedDiffOfTheHandEdit()
    {
        var root = Directory.CreateTempSubdirectory("helix-render-");
        try
        {
            var files = new FileSet();
            files.Add("gitops/a.yaml", string.Join('\n', Enumerable.Range(1, 20).Select(i => $"line{i}: {i}")));
            files.Write(root.FullName, ["gitops"]);
            var path = Path.Combine(root.FullName, "gitops", "a.yaml");
            File.WriteAllText(path, File.ReadAllText(path).Replace("line10: 10", "line10: changed by hand", StringComparison.Ordinal));

            var change = Assert.Single(files.Diff(root.FullName, ["gitops"]));
            Assert.Equal(FileChangeKind.Modified, change.Kind);
            var lines = change.UnifiedDiff.Split('\n');
            Assert.Equal("--- a/gitops/a.yaml", lines[0]);
            Assert.Equal("+++ b/gitops/a.yaml", lines[1]);
            Assert.Equal("@@ -7,7 +7,7 @@", lines[2]);
            Assert.Contains("-line10: changed by hand", lines);
            Assert.Contains("+line10: 10", lines);
            Assert.Contains(" line7: 7", lines);
            Assert.DoesNotContain(" line6: 6", lines);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void FileSet_BytesAreUtf8WithLfOnly()
    {
        var files = new FileSet();
        files.Add("docs/x.md", "é\r\nb\r\n");
        Assert.Equal(Encoding.UTF8.GetBytes("é\nb\n"), Encoding.UTF8.GetBytes(files.Text("docs/x.md")));
    }
}
