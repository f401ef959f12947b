using System.Diagnostics;
using System.Text;
using Helix.Platform.Infra;
using Helix.Platform.Model;
using Helix.Testing;

namespace Helix.Platform.Tests;

/// <summary>
/// The script <c>helix secrets --script</c> prints, run for real with bash, openssl and kubectl 1.35
/// (SOPS replaced by a stand-in that passes the manifest through: encryption is SOPS' own business): every operator Secret is written
/// once, and a value several Secrets share is the same in each.
/// </summary>
public sealed class SecretsScriptTests : IDisposable
{
    private static readonly PlatformModel Model = ReferenceSpec.Model;
    private readonly string _root = Directory.CreateTempSubdirectory("helix-secrets-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private (int Exit, string Error) Run(string script, IReadOnlyDictionary<string, string> environment)
    {
        var kubectl = TestEnvironment.Require("HELIX_KUBECTL", "kubectl 1.35 (scripts/tools.sh install)");
        File.WriteAllText(Path.Combine(_root, "make.sh"), script);
        var start = new ProcessStartInfo("bash", "make.sh") { WorkingDirectory = _root, RedirectStandardError = true, RedirectStandardOutput = true };
        start.Environment["PATH"] = $"{Path.GetDirectoryName(kubectl)}:{Environment.GetEnvironmentVariable("PATH")}";
        // A stand-in for sops that passes the manifest through: what it reads is what the script made.
        var sops = Path.Combine(_root, "sops-stand-in");
        File.WriteAllText(sops, "#!/bin/sh\ncat\n");
        start.Environment["SOPS"] = $"sh {sops}";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        _ = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error.Result);
    }

    private static Dictionary<string, string> Issued() =>
        Model.Secrets().SelectMany(s => s.Keys.Where(k => s.Source(k).Origin == KeyOrigin.Issued).Select(k => $"{s.Namespace}_{s.Name}_{k}"))
            .ToDictionary(k => new string([.. k.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_')]), k => $"issued-{k}");

    private string Value(string ns, string name, string key)
    {
        var text = File.ReadAllText(Path.Combine(_root, "secrets", ns, $"{name}.sops.yaml"));
        var line = text.Split('\n').Single(l => l.StartsWith($"  {key}: ", StringComparison.Ordinal));
        return Encoding.UTF8.GetString(Convert.FromBase64String(line[$"  {key}: ".Length..].Trim()));
    }

    [Fact]
    public void EveryOperatorSecret_IsWritten_AndSharedValuesAreOneValue()
    {
        var (exit, error) = Run(SecretsScript.Render(Model), Issued());

        Assert.True(exit == 0, error);
        var operatorMade = Model.Secrets().Where(s => s.Creator == SecretCreator.Operator).ToList();
        Assert.Equal(operatorMade.Select(s => $"{s.Namespace}/{s.Name}.sops.yaml").Order(StringComparer.Ordinal),
            Directory.EnumerateFiles(Path.Combine(_root, "secrets"), "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(Path.Combine(_root, "secrets"), f).Replace('\\', '/')).Order(StringComparer.Ordinal));
        // One source of truth: the orchestrator's database password is its role's; Redis' is Redis'; issued values pass through.
        Assert.Equal(Value("postgres", "postgres-orchestrator", "password"), Value("helix-orchestrator", "orchestrator", "database-password"));
        Assert.Equal(Value("redis", "redis-auth", "password"), Value("helix-orchestrator", "orchestrator", "redis-password"));
        Assert.Equal(Value("monitoring", "remediation-webhook", "token"), Value("helix-remediation", "remediation", "alertmanager-token"));
        Assert.Equal("issued-argocd_gitops-repo-credentials_password", Value("argocd", "gitops-repo-credentials", "password"));
        Assert.Equal("orchestrator", Value("postgres", "postgres-orchestrator", "username"));
        // Values made at random are distinct, and 256 bits each.
        Assert.NotEqual(Value("postgres", "postgres-orchestrator", "password"), Value("postgres", "postgres-remediation", "password"));
        Assert.Matches("^[0-9a-f]{64}$", Value("redis", "redis-auth", "password"));
    }

    [Fact]
    public void AnIssuedValueNotExported_StopsTheScript_NamingIt_AndWritesNothing()
    {
        var issued = Issued();
        issued.Remove("ARGOCD_GITOPS_REPO_CREDENTIALS_PASSWORD");

        var (exit, error) = Run(SecretsScript.Render(Model), issued);

        Assert.NotEqual(0, exit);
        Assert.Contains("ARGOCD_GITOPS_REPO_CREDENTIALS_PASSWORD", error, StringComparison.Ordinal);
        Assert.Contains("a read-only token of the Git host", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "secrets")));
    }

    [Fact]
    public void EveryValueTheReferenceShares_HasASource_AndOneWithoutIsReported()
    {
        Assert.Empty(SecretsScript.Unresolved(Model));

        var broken = Model with
        {
            Declarations = [.. Model.Declarations.Select(d => d with { Secrets = [.. d.Secrets.Where(s => s.Name != "redis-auth")] })],
        };
        Assert.Equal(["helix-orchestrator/orchestrator/redis-password -> redis/redis-auth/password"], SecretsScript.Unresolved(broken));
    }

    [Fact]
    public void TheRunbook_AppliesWhatTheScriptWrites()
    {
        var runbook = BringUp.Render(Model);
        Assert.Contains($"for f in {SecretsScript.Folder}/*/*.sops.yaml; do sops --decrypt", runbook, StringComparison.Ordinal);
        Assert.Contains("helix secrets --script", runbook, StringComparison.Ordinal);
        Assert.Contains($"local out=\"{SecretsScript.Folder}/$ns/$name.sops.yaml\"", SecretsScript.Render(Model), StringComparison.Ordinal);
    }
}
