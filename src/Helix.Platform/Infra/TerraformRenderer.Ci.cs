using System.Text.Json.Nodes;
using Helix.Platform.Spec;

namespace Helix.Platform.Infra;

/// <summary>
/// CI's AWS rights, read off the resources Terraform renders: the plan role reads what Terraform
/// refreshes and the state; the apply role also writes what CI applies (everything past the
/// runbook's first stage, which an administrator applies: CI cannot widen its own rights), each
/// named by ARN where AWS allows it.
/// </summary>
internal static partial class TerraformRenderer
{
    /// <summary>The reads Terraform's refresh makes, per AWS service (S3's stay at the bucket level: no object of a backup is readable).</summary>
    private static readonly Dictionary<string, string[]> Reads = new(StringComparer.Ordinal)
    {
        ["s3"] = ["s3:GetBucket*", "s3:GetAccelerateConfiguration", "s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration",
            "s3:ListBucket"],
        ["route53"] = ["route53:Get*", "route53:List*"],
        ["iam"] = ["iam:Get*", "iam:List*"],
        ["kms"] = ["kms:Describe*", "kms:Get*", "kms:List*"],
    };

    /// <summary>The AWS service a resource type belongs to (<c>aws_s3_bucket_policy</c>: s3).</summary>
    internal static string AwsService(string type) => type.Split('_')[1];

    private static JsonObject Statement(string sid, IEnumerable<string> actions, IEnumerable<string> resources) => new()
    {
        ["sid"] = sid,
        ["actions"] = new JsonArray([.. actions.Select(a => (JsonNode)a)]),
        ["resources"] = new JsonArray([.. resources.Select(r => (JsonNode)r)]),
    };

    private static string BucketArn(string name) => $"arn:aws:s3:::{name}";

    private static IEnumerable<JsonObject> ReadStatements(PlatformSpec spec, IReadOnlyList<(string Type, string Name, JsonObject Body)> resources)
    {
        var buckets = resources.Where(r => r.Type == "aws_s3_bucket").Select(r => (string)r.Body["bucket"]!).ToList();
        foreach (var service in resources.Select(r => AwsService(r.Type)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (Reads.TryGetValue(service, out var actions))
            {
                yield return Statement($"Read{char.ToUpperInvariant(service[0])}{service[1..]}", actions, service == "s3" ? buckets.Select(BucketArn) : ["*"]);
            }
        }
        yield return Statement("StateRead", ["s3:GetObject"], [$"{BucketArn(spec.Infra.Aws.StateBucket)}/{spec.Name}/*"]);
    }

    private static JsonArray CiPlan(PlatformSpec spec, IReadOnlyList<(string Type, string Name, JsonObject Body)> resources) =>
    [
        .. ReadStatements(spec, resources),
        // The state is decrypted; the saved plan is sealed with a data key of the same key for the apply job.
        Statement("Kms", ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"], ["${aws_kms_key.platform.arn}"]),
    ];

    private static JsonArray CiApply(PlatformSpec spec, IReadOnlyList<(string Type, string Name, JsonObject Body)> resources)
    {
        var applied = resources.Where(r => BringUp.TerraformStage(r.Type, r.Name) > 1).ToList();
        var statements = new JsonArray(
        [
            .. ReadStatements(spec, resources),
            Statement("State", ["s3:PutObject", "s3:DeleteObject"], [$"{BucketArn(spec.Infra.Aws.StateBucket)}/{spec.Name}/*"]),
            Statement("Kms", ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"], ["${aws_kms_key.platform.arn}"]),
        ]);
        var buckets = applied.Where(r => r.Type == "aws_s3_bucket").Select(r => BucketArn((string)r.Body["bucket"]!)).ToList();
        if (buckets.Count > 0)
        {
            statements.Add(Statement("Buckets", ["s3:CreateBucket", "s3:PutBucket*", "s3:PutEncryptionConfiguration", "s3:DeleteBucketPolicy"], buckets));
        }
        if (applied.Any(r => AwsService(r.Type) == "route53"))
        {
            // Zones get their ids when created: records and tags are scoped to zones, creation cannot be.
            statements.Add(Statement("DnsRecords", ["route53:ChangeResourceRecordSets", "route53:ChangeTagsForResource"], ["arn:aws:route53:::hostedzone/*"]));
            statements.Add(Statement("DnsZones", ["route53:CreateHostedZone", "route53:GetChange"], ["*"]));
        }
        var roles = applied.Where(r => r.Type == "aws_iam_role").Select(r => $"arn:aws:iam::{spec.Infra.Aws.AccountId}:role/{(string)r.Body["name"]!}").ToList();
        if (roles.Count > 0)
        {
            statements.Add(Statement("WorkloadRoles",
                ["iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy"], roles));
        }
        var issuers = applied.Where(r => r.Type == "aws_iam_openid_connect_provider")
            .Select(r => $"arn:aws:iam::{spec.Infra.Aws.AccountId}:oidc-provider/{((string)r.Body["url"]!)["https://".Length..]}").ToList();
        if (issuers.Count > 0)
        {
            statements.Add(Statement("Issuer",
            [
                "iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint", "iam:AddClientIDToOpenIDConnectProvider",
                "iam:RemoveClientIDFromOpenIDConnectProvider", "iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider",
            ], issuers));
        }
        return statements;
    }
}
