using System.Text.Json;

namespace Helix.Cli.Tests;

public sealed class HelixCommandTests
{
    private static readonly string Root = FindRoot();

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = HelixCommand.RunAsync(args, stdout, stderr, redirected: true).GetAwaiter().GetResult();
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string Spec => Path.Combine(Root, "platform", "helix.yaml");

    [Fact]
    public void Order_PrintsTheNineStepsWithWaves()
    {
        var (exit, output, _) = Run("order", "--spec", Spec);
        Assert.Equal(0, exit);
        Assert.StartsWith("1. [terraform] Terraform:", output, StringComparison.Ordinal);
        Assert.Contains("4. [wave 4] ArgoCD install and GitOps bootstrap", output, StringComparison.Ordinal);
        Assert.Contains("9. [wave 9] Final ingress exposure and SSO enforcement", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", output, StringComparison.Ordinal); // no colour when redirected
    }

    [Fact]
    public void Order_AsJson_IsMachineReadable()
    {
        var (exit, output, _) = Run("order", "--spec", Spec, "--output", "json");
        Assert.Equal(0, exit);
        using var steps = JsonDocument.Parse(output);
        Assert.Equal(9, steps.RootElement.GetArrayLength());
        Assert.Equal("terraform", steps.RootElement[0].GetProperty("owner").GetString());
        Assert.Equal(JsonValueKind.Null, steps.RootElement[0].GetProperty("syncWave").ValueKind);
        Assert.Equal(2, steps.RootElement[1].GetProperty("syncWave").GetInt32());
    }

    [Fact]
    public void BrokenSpec_Exits2_WithEveryErrorAtItsPosition()
    {
        var broken = Path.GetTempFileName();
        File.WriteAllText(broken, File.ReadAllText(Spec).Replace("    count: 3", "    count: lots", StringComparison.Ordinal));
        try
        {
            var (exit, _, errors) = Run("order", "--spec", broken);
            Assert.Equal(2, exit);
            Assert.Equal(3, errors.Split('\n').Count(l => l.StartsWith(broken + ":", StringComparison.Ordinal)));
            Assert.Contains(": nodePools[0].count: expected a whole number, found 'lots'", errors, StringComparison.Ordinal);
            Assert.Contains("fix: write a whole number here", errors, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(broken);
        }
    }

    [Fact]
    public void CommittedDiagramAndSchema_AreCurrent()
    {
        var (graphExit, _, graphErr) = Run("graph", "--spec", Spec, "--out", Path.Combine(Root, "docs", "architecture", "platform.md"), "--check");
        Assert.True(graphExit == 0, graphErr);
        var (schemaExit, _, schemaErr) = Run("schema", "--out", Path.Combine(Root, "platform", "helix.schema.json"), "--check");
        Assert.True(schemaExit == 0, schemaErr);
    }

    [Fact]
    public void Graph_WritesTheFile_ThenReportsItUnchanged_AndCheckCatchesAStaleOne()
    {
        var dir = Directory.CreateTempSubdirectory("helix-graph-");
        try
        {
            var target = Path.Combine(dir.FullName, "platform.md");
            Assert.Equal(0, Run("graph", "--spec", Spec, "--out", target).Exit);
            var first = File.ReadAllBytes(target);
            Assert.Contains("unchanged", Run("graph", "--spec", Spec, "--out", target).Out, StringComparison.Ordinal);
            Assert.Equal(first, File.ReadAllBytes(target));

            File.AppendAllText(target, "hand edit\n");
            var (exit, _, err) = Run("graph", "--spec", Spec, "--out", target, "--check");
            Assert.Equal(1, exit);
            Assert.Contains("is stale", err, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void VerifyTree_Exits1OnFindings_AndReportsThemAsJson()
    {
        var dir = Directory.CreateTempSubdirectory("helix-verify-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "secret.yaml"), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  token: x\n");
            var (exit, output, _) = Run("verify", "--tree", dir.FullName, "--output", "json");
            Assert.Equal(1, exit);
            using var findings = JsonDocument.Parse(output);
            Assert.Equal("no-plaintext-secret", findings.RootElement[0].GetProperty("rule").GetString());

            File.Delete(Path.Combine(dir.FullName, "secret.yaml"));
            var (clean, text, _) = Run("verify", "--tree", dir.FullName);
            Assert.Equal(0, clean);
            Assert.Contains("0 error(s)", text, StringComparison.Ordinal);
            Assert.Equal(2, Run("verify", "--tree", Path.Combine(dir.FullName, "missing")).Exit);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void EveryCommand_HasHelp()
    {
        foreach (var command in new[] { "order", "graph", "schema", "verify" })
        {
            var (exit, output, _) = Run(command, "--help");
            Assert.Equal(0, exit);
            Assert.Contains("Usage:", output, StringComparison.Ordinal);
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Helix.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("the repository root (Helix.slnx) is not above the test binaries");
    }
}
