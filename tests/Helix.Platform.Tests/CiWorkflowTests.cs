using System.Text.RegularExpressions;
using Helix.Platform.Infra;
using SpecLoader = Helix.Platform.Spec.SpecLoader;
using YamlDotNet.RepresentationModel;

namespace Helix.Platform.Tests;

public sealed partial class CiWorkflowTests
{
    private static readonly Dictionary<string, string> Rendered = CiWorkflows.Render(PlatformCompiler.Model(SpecLoader.Load(ReferenceSpec.Path).Spec!))
        .ToDictionary(w => Path.GetFileName(w.Path), w => w.Text);

    private static YamlMappingNode Parse(string name)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(Rendered[name]));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlNode node, string key) => (YamlMappingNode)((YamlMappingNode)node)[key];

    private static string Text(YamlNode node) => node switch
    {
        YamlScalarNode s => s.Value ?? "",
        YamlSequenceNode q => string.Join("\n", q.Children.Select(Text)),
        YamlMappingNode m => string.Join("\n", m.Children.Select(c => $"{Text(c.Key)}: {Text(c.Value)}")),
        _ => "",
    };

    [GeneratedRegex(@"^\s*(?:- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v[\w.]+$")]
    private static partial Regex PinnedUses();

    [Fact]
    public void EveryActionIsPinnedByCommit_WithItsVersion()
    {
        var uses = Rendered.Values.SelectMany(t => t.Split('\n')).Where(l => l.TrimStart().StartsWith("uses:", StringComparison.Ordinal) || l.TrimStart().StartsWith("- uses:",
            StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(uses);
        Assert.All(uses, line => Assert.Matches(PinnedUses(), line));
    }

    [Fact]
    public void Permissions_AreLeastPrivilege_AndIdTokenOnlyWhereSigningOrOidcNeedsIt()
    {
        foreach (var name in Rendered.Keys)
        {
            var workflow = Parse(name);
            Assert.Equal("contents: read", Text(workflow["permissions"]));
            foreach (var (jobName, job) in Map(workflow, "jobs").Children)
            {
                var permissions = Map(job, "permissions");
                var steps = Text(((YamlMappingNode)job)["steps"]);
                var needsToken = steps.Contains("cosign sign", StringComparison.Ordinal) || steps.Contains("aws-actions/configure-aws-credentials", StringComparison.Ordinal);
                var hasToken = permissions.Children.Any(p => Text(p.Key) == "id-token" && Text(p.Value) == "write");
                Assert.True(needsToken == hasToken, $"{name} job {Text(jobName)}: id-token {(hasToken ? "granted without need" : "missing")}");
                Assert.DoesNotContain(permissions.Children, p => Text(p.Value) == "write-all" || Text(p.Key) == "actions");
            }
        }
    }

    [Fact]
    public void PullRequests_BuildTestRenderVerifyAndCheckPoliciesManifestsAndTerraform()
    {
        var jobs = Map(Parse("pull-request.yml"), "jobs");
        Assert.Equal(["test", "platform", "plan"], jobs.Children.Keys.Select(Text));
        var platform = Text(Map(jobs, "platform")["steps"]);
        foreach (var expected in new[] { "-- diff", "verify --tree gitops", "kyverno-cli", "test gitops/platform/policies/tests", "kubeconform", "terraform -chdir=infra/terraform validate" })
        {
            Assert.Contains(expected, platform, StringComparison.Ordinal);
        }
        Assert.Contains("bash .ci/run", Text(Map(jobs, "test")["steps"]), StringComparison.Ordinal);
        var plan = Text(Map(jobs, "plan")["steps"]);
        Assert.Contains("arn:aws:iam::123456789012:role/helix-github-plan", plan, StringComparison.Ordinal);
        Assert.Contains("plan -input=false -lock=false", plan, StringComparison.Ordinal);
    }

    [Fact]
    public void Images_AreScannedSignedAttestedPushedByDigest_ThenPromotedByPullRequest()
    {
        var jobs = Map(Parse("images.yml"), "jobs");
        var image = Text(Map(jobs, "image")["steps"]);
        Assert.Contains("severity: CRITICAL,HIGH", image, StringComparison.Ordinal);
        Assert.Contains("exit-code: 1", image, StringComparison.Ordinal);
        Assert.Contains("cyclonedx-json", image, StringComparison.Ordinal);
        Assert.Contains("cosign sign --yes \"${{ steps.push.outputs.image }}\"", image, StringComparison.Ordinal);
        Assert.Contains("cosign attest --yes --type cyclonedx", image, StringComparison.Ordinal);
        Assert.Contains("@$digest", image, StringComparison.Ordinal);
        var promote = Map(jobs, "promote");
        Assert.Equal("image", Text(promote["needs"]));
        Assert.Contains("-- release $images", Text(promote["steps"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_AssumesTheOidcRole_JoinsTheMeshEphemerally_AndAlwaysLeaves()
    {
        var apply = Map(Map(Parse("infra.yml"), "jobs"), "apply");
        var steps = ((YamlSequenceNode)apply["steps"]).Children.Cast<YamlMappingNode>().ToList();
        Assert.Contains(steps, s => Text(s).Contains("role-to-assume: arn:aws:iam::123456789012:role/helix-github-actions", StringComparison.Ordinal));
        Assert.Contains(steps, s => Text(s).Contains("NB_SETUP_KEY: ${{ secrets.NETBIRD_CI_SETUP_KEY }}", StringComparison.Ordinal));
        var leave = steps.Single(s => Text(s["name"]) == "Leave the mesh");
        Assert.Equal("always()", Text(leave["if"]));
        Assert.Equal("production", Text(apply["environment"]));
    }
}
