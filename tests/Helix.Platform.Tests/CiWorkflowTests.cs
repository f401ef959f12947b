using System.Text.RegularExpressions;
using Helix.Platform.Infra;
using YamlDotNet.RepresentationModel;

namespace Helix.Platform.Tests;

public sealed partial class CiWorkflowTests
{
    private static readonly Dictionary<string, string> Rendered = CiWorkflows.Render(ReferenceSpec.Model)
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
        Assert.Equal("image\nmirror", Text(promote["needs"]));
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

    [Fact]
    public void Apply_AppliesOnlyThePlanTheReviewersSaw_NeverAutoApproves()
    {
        var jobs = Map(Parse("infra.yml"), "jobs");
        var plan = Text(Map(jobs, "plan")["steps"]);
        Assert.Contains("role/helix-github-plan", plan, StringComparison.Ordinal);
        Assert.Contains("plan -input=false -out=tfplan", plan, StringComparison.Ordinal);
        Assert.Contains("show -no-color tfplan >> \"$GITHUB_STEP_SUMMARY\"", plan, StringComparison.Ordinal);
        // The saved plan holds the values it writes: it leaves the job sealed with the platform's key.
        Assert.Contains("aws kms generate-data-key --key-id \"$KMS_KEY\"", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("upload-artifact", plan[..plan.IndexOf("Seal", StringComparison.Ordinal)], StringComparison.Ordinal);

        var apply = Map(jobs, "apply");
        Assert.Equal("plan", Text(apply["needs"]));
        Assert.Equal(CiWorkflows.ApplyEnvironment, Text(apply["environment"]));
        var steps = Text(apply["steps"]);
        Assert.Contains("apply -input=false tfplan", steps, StringComparison.Ordinal);
        Assert.Contains("secrets.HCLOUD_TOKEN }}", steps, StringComparison.Ordinal);
        Assert.DoesNotContain("HCLOUD_TOKEN }}", plan, StringComparison.Ordinal);
        Assert.DoesNotContain(Rendered.Values, w => w.Contains("-auto-approve", StringComparison.Ordinal));

        // GitHub names the environment in the token's subject: the apply role must trust exactly that.
        var model = ReferenceSpec.Model;
        var aws = TerraformRenderer.Render(model).Single(f => f.Path.EndsWith("/aws.tf.json", StringComparison.Ordinal)).Text;
        Assert.Contains($"\"repo:helix-platform/platform:environment:{CiWorkflows.ApplyEnvironment}\"", aws, StringComparison.Ordinal);
        Assert.DoesNotContain("\"repo:helix-platform/platform:ref:refs/heads/main\"", aws[..aws.IndexOf("github_plan_assume", StringComparison.Ordinal)], StringComparison.Ordinal);
    }

    [Fact]
    public void ThePromotionPullRequest_IsOpenedWithTheReleaseAppsToken_SoItsChecksRun()
    {
        var promote = Map(Map(Parse("images.yml"), "jobs"), "promote");
        var steps = ((YamlSequenceNode)promote["steps"]).Children.Cast<YamlMappingNode>().ToList();
        Assert.StartsWith("actions/create-github-app-token@", Text(steps[0]["uses"]), StringComparison.Ordinal);
        Assert.Equal("app", Text(steps[0]["id"]));
        Assert.Equal("${{ steps.app.outputs.token }}", Text(Map(steps[1], "with")["token"]));
        Assert.Equal("${{ steps.app.outputs.token }}", Text(Map(steps.Single(s => Text(s["name"]).StartsWith("Open", StringComparison.Ordinal)), "env")["GH_TOKEN"]));
        Assert.DoesNotContain("GITHUB_TOKEN", Text(promote), StringComparison.Ordinal);
        Assert.Equal("contents: read", Text(promote["permissions"]));
    }

    [Fact]
    [Trait("breaks", "ci-delivery")]
    public void AnApplyNobodyReviewed_OrAPullRequestWithTheWorkflowsToken_IsCaught()
    {
        static IReadOnlyList<Verification.Finding> Check(string name, string text) =>
            [.. Verification.DeliveryRules.Check($".github/workflows/{name}", Verification.TreeVerifier.Documents(new StringReader(text)))];
        Assert.All(Rendered, w => Assert.Empty(Check(w.Key, w.Value)));

        var autoApprove = Check("infra.yml", Rendered["infra.yml"].Replace("apply -input=false tfplan", "apply -input=false -auto-approve", StringComparison.Ordinal));
        Assert.Equal("jobs.apply", Assert.Single(autoApprove).Resource);
        var ungated = Check("infra.yml", Rendered["infra.yml"].Replace("    environment: production\n", "", StringComparison.Ordinal));
        Assert.Equal("jobs.apply", Assert.Single(ungated).Resource);
        var workflowToken = Check("images.yml", Rendered["images.yml"].Replace("GH_TOKEN: ${{ steps.app.outputs.token }}", "GH_TOKEN: ${{ secrets.GITHUB_TOKEN }}", StringComparison.Ordinal));
        Assert.StartsWith("opens a pull request with the workflow's own token", Assert.Single(workflowToken).Message, StringComparison.Ordinal);
    }
}
