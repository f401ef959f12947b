using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Helix.Remediation.Tests;

/// <summary>A wrong setting stops start-up with the key that is wrong and what to write, never the secret.</summary>
public sealed class ConfigurationTests : IDisposable
{
    private readonly DirectoryInfo _files = Directory.CreateTempSubdirectory("helix-remediation-config-");

    private Dictionary<string, string?> Valid()
    {
        var token = Path.Combine(_files.FullName, "token");
        File.WriteAllText(token, "s3cr3t-value-never-shown\n");
        return new Dictionary<string, string?>
        {
            ["Signals:AlertmanagerTokens:0"] = "file:" + token,
            ["Signals:ArgoCdTokens:0"] = "file:" + token,
            ["ArgoCd:Url"] = "http://argocd-server.argocd.svc.cluster.local",
            ["ArgoCd:Token"] = "file:" + token,
            ["Git:Url"] = "https://github.com/acme/gitops.git",
            ["Git:Token"] = "file:" + token,
            ["PullRequests:Owner"] = "acme",
            ["PullRequests:Repository"] = "gitops",
            ["Database:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=x",
            ["Database:MigrationConnectionString"] = "Host=127.0.0.1;Port=1;Username=x",
            ["Remediation:WorkDirectory"] = Path.Combine(_files.FullName, "work"),
        };
    }

    private static string Failure(Dictionary<string, string?> settings)
    {
        var error = Assert.ThrowsAny<Exception>(() =>
        {
            using var app = RemediationApp.Build([], builder => builder.Configuration.AddInMemoryCollection(settings));
        });
        return error is OptionsValidationException validation ? string.Join("\n", validation.Failures) : error.Message;
    }

    [Fact]
    public async Task AValidConfiguration_Builds()
    {
        await using var app = RemediationApp.Build([], builder => builder.Configuration.AddInMemoryCollection(Valid()));
        Assert.NotNull(app);
    }

    [Theory]
    [InlineData("Git:Url", "http://git.example.com/acme/gitops.git", "Configuration key 'Git:Url': the repository is reached over HTTPS")]
    [InlineData("Git:Token", "ghp_plaintext", "Configuration key 'Git:Token': a secret is referenced as env:VARIABLE or file:/path")]
    [InlineData("Signals:AlertmanagerTokens:0", "letmein", "Configuration key 'Signals:AlertmanagerTokens:0': a secret is referenced")]
    [InlineData("Remediation:Mode", "Maybe", "Remediation")]
    [InlineData("Remediation:MinSignals", "0", "Configuration key 'Remediation:MinSignals'")]
    [InlineData("Remediation:Colldown", "01:00:00", "Colldown")]
    [InlineData("PullRequests:Provider", "Gitea", "Configuration key 'PullRequests:ApiUrl': a Gitea or Forgejo server needs its address")]
    [InlineData("Git:GitHubApp:AppId", "1", "set either Token (a reference) or GitHubApp")]
    public void AWrongSetting_NamesItsKey(string key, string value, string expected)
    {
        var settings = Valid();
        settings[key] = value;
        var message = Failure(settings);
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-value-never-shown", message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingSecretFile_StopsStartUp_NamingTheReference()
    {
        var settings = Valid();
        settings["ArgoCd:Token"] = "file:/nonexistent/argocd-token";
        Assert.Contains("secret reference 'file:/nonexistent/argocd-token': the file cannot be read", Failure(settings), StringComparison.Ordinal);
    }

    public void Dispose() => _files.Delete(recursive: true);
}
