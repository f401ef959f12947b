using System.Text.Json;
using System.Text.RegularExpressions;
using Helix.Platform.Simulation;

namespace Helix.Platform.Verification;

/// <summary>
/// The platform repository's workflows deliver only what was reviewed: Terraform applies a saved plan,
/// in a job an environment's reviewers gate, never with -auto-approve; and a pull request a workflow
/// opens is opened with a token whose events start workflows, so its checks run before it merges.
/// </summary>
internal static partial class DeliveryRules
{
    public const string Rule = "ci-delivery";

    public const string Folder = ".github/workflows/";

    [GeneratedRegex(@"terraform\b[^\n]*\sapply\b(?<args>[^\n]*)")]
    private static partial Regex Apply();

    // GitHub starts no workflow for events made with the workflow's own token.
    private static readonly string[] WorkflowTokens = ["secrets.GITHUB_TOKEN", "github.token"];

    public static IEnumerable<Finding> Check(string file, IReadOnlyList<(JsonElement Document, string? Error)> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        foreach (var (workflow, _) in documents.Where(d => d.Error is null))
        {
            foreach (var job in KubeObject.Element(workflow, "jobs") is { ValueKind: JsonValueKind.Object } jobs ? jobs.EnumerateObject() : Enumerable.Empty<JsonProperty>())
            {
                var gated = KubeObject.Element(job.Value, "environment") is { ValueKind: JsonValueKind.String or JsonValueKind.Object };
                foreach (var step in KubeObject.Items(KubeObject.Element(job.Value, "steps")))
                {
                    var run = KubeObject.Text(step, "run") ?? "";
                    foreach (Match apply in Apply().Matches(run))
                    {
                        var args = apply.Groups["args"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        if (args.Contains("-auto-approve") || args.LastOrDefault() is not { } plan || plan.StartsWith('-') || !gated)
                        {
                            yield return new Finding(Severity.Error, file, $"jobs.{job.Name}", Rule,
                                "Terraform applies what nobody reviewed (-auto-approve, no saved plan, or no environment's reviewers gating the job)",
                                "apply the plan file the plan job saved, in a job with an environment whose reviewers approve it");
                        }
                    }
                    if (run.Contains("gh pr create", StringComparison.Ordinal)
                        && (KubeObject.Text(step, "env", "GH_TOKEN") ?? KubeObject.Text(step, "env", "GITHUB_TOKEN")) is var token
                        && (token is null || WorkflowTokens.Any(t => token.Contains(t, StringComparison.Ordinal))))
                    {
                        yield return new Finding(Severity.Error, file, $"jobs.{job.Name}", Rule,
                            "opens a pull request with the workflow's own token: GitHub starts no workflow for it, so it merges unchecked",
                            "open it with a GitHub App's installation token (actions/create-github-app-token)");
                    }
                }
            }
        }
    }
}
