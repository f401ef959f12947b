using System.Text.Json.Nodes;
using Helix.Platform.Components;
using Helix.Platform.Spec;

namespace Helix.Platform.Infra;

/// <summary>AWS: Route 53 zones and records, the state and backup buckets, the KMS key, and the CI roles.</summary>
internal static partial class TerraformRenderer
{
    /// <summary>The platform's KMS key by its alias: SOPS, the state bucket and the backend all name it so.</summary>
    internal static string KmsAlias(PlatformSpec spec) => $"alias/{spec.Name}-sops";

    internal static string KmsAliasArn(PlatformSpec spec) => $"arn:aws:kms:{spec.Infra.Aws.Region}:{spec.Infra.Aws.AccountId}:{KmsAlias(spec)}";

    private static JsonObject Dns(PlatformSpec spec)
    {
        var zones = new JsonObject();
        var records = new JsonObject();
        foreach (var domain in spec.Domains)
        {
            var zone = Id(domain.Name);
            zones[zone] = new JsonObject { ["name"] = domain.Name, ["tags"] = Tags(spec) };
            foreach (var route in spec.Routes.Where(r => Under(r.Host, domain.Name)).Select(r => r.Host).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                records[Id(route)] = new JsonObject
                {
                    ["zone_id"] = $"${{aws_route53_zone.{zone}.zone_id}}",
                    ["name"] = route,
                    ["type"] = "A",
                    ["ttl"] = 300,
                    ["records"] = new JsonArray("${hcloud_load_balancer.ingress.ipv4}"),
                };
            }
            if (Uri.TryCreate(spec.Infra.NetBird.ManagementUrl, UriKind.Absolute, out var netbird) && Under(netbird.Host, domain.Name))
            {
                records[Id(netbird.Host)] = new JsonObject
                {
                    ["zone_id"] = $"${{aws_route53_zone.{zone}.zone_id}}",
                    ["name"] = netbird.Host,
                    ["type"] = "A",
                    ["ttl"] = 300,
                    ["records"] = new JsonArray("${hcloud_server.netbird.ipv4_address}"),
                };
            }
        }
        return new JsonObject { ["resource"] = new JsonObject { ["aws_route53_zone"] = zones, ["aws_route53_record"] = records } };
    }

    /// <param name="spec">The platform's spec.</param>
    /// <param name="ciResources">Every AWS resource Terraform renders, as (type, name, body): CI's rights are derived from them.</param>
    private static JsonObject Aws(PlatformSpec spec, IReadOnlyList<(string Type, string Name, JsonObject Body)> ciResources)
    {
        var aws = spec.Infra.Aws;
        var issuer = spec.SupplyChain.Cosign.Issuer;
        var issuerHost = new Uri(issuer).Host;
        // The issuer's bucket serves two public documents: anonymous readers cannot use the KMS key, so S3 encrypts it with its own.
        var buckets = new[] { ("state", aws.StateBucket, false), ("postgres_backups", spec.Data.Postgres.Backup.Bucket, false), (IssuerBucketId, WorkloadIdentity.IssuerBucket(spec), true) };
        var bucketResources = new JsonObject();
        var versioning = new JsonObject();
        var encryption = new JsonObject();
        var publicAccess = new JsonObject();
        foreach (var (id, name, publicDocuments) in buckets)
        {
            bucketResources[id] = new JsonObject { ["bucket"] = name, ["tags"] = Tags(spec), ["lifecycle"] = new JsonObject { ["prevent_destroy"] = true } };
            versioning[id] = new JsonObject { ["bucket"] = $"${{aws_s3_bucket.{id}.id}}", ["versioning_configuration"] = new JsonObject { ["status"] = "Enabled" } };
            encryption[id] = new JsonObject
            {
                ["bucket"] = $"${{aws_s3_bucket.{id}.id}}",
                ["rule"] = new JsonArray(publicDocuments
                    ? new JsonObject { ["apply_server_side_encryption_by_default"] = new JsonObject { ["sse_algorithm"] = "AES256" } }
                    : new JsonObject
                    {
                        ["apply_server_side_encryption_by_default"] = new JsonObject { ["sse_algorithm"] = "aws:kms", ["kms_master_key_id"] = "${aws_kms_key.platform.arn}" },
                        ["bucket_key_enabled"] = true,
                    }),
            };
            // ACLs stay blocked everywhere; only the issuer's bucket may carry a (narrow) public policy.
            publicAccess[id] = new JsonObject
            {
                ["bucket"] = $"${{aws_s3_bucket.{id}.id}}",
                ["block_public_acls"] = true,
                ["block_public_policy"] = !publicDocuments,
                ["ignore_public_acls"] = true,
                ["restrict_public_buckets"] = !publicDocuments,
            };
        }
        return new JsonObject
        {
            ["resource"] = new JsonObject
            {
                ["aws_kms_key"] = new JsonObject
                {
                    ["platform"] = new JsonObject { ["description"] = $"{spec.Name}: Terraform state and SOPS", ["enable_key_rotation"] = true, ["deletion_window_in_days"] = 30,
                        ["tags"] = Tags(spec) },
                },
                ["aws_kms_alias"] = new JsonObject
                {
                    ["sops"] = new JsonObject { ["name"] = KmsAlias(spec), ["target_key_id"] = "${aws_kms_key.platform.key_id}" },
                },
                ["aws_s3_bucket"] = bucketResources,
                ["aws_s3_bucket_versioning"] = versioning,
                ["aws_s3_bucket_server_side_encryption_configuration"] = encryption,
                ["aws_s3_bucket_public_access_block"] = publicAccess,
                ["aws_iam_openid_connect_provider"] = new JsonObject
                {
                    ["github"] = new JsonObject { ["url"] = issuer, ["client_id_list"] = new JsonArray("sts.amazonaws.com"), ["tags"] = Tags(spec) },
                },
                ["aws_iam_role"] = new JsonObject
                {
                    ["github_actions"] = new JsonObject
                    {
                        ["name"] = $"{spec.Name}-github-actions",
                        ["assume_role_policy"] = "${data.aws_iam_policy_document.github_assume.json}",
                        ["max_session_duration"] = 3600,
                        ["tags"] = Tags(spec),
                    },
                    // Pull requests plan with a role that can read the state but change nothing.
                    ["github_plan"] = new JsonObject
                    {
                        ["name"] = $"{spec.Name}-github-plan",
                        ["assume_role_policy"] = "${data.aws_iam_policy_document.github_plan_assume.json}",
                        ["max_session_duration"] = 3600,
                        ["tags"] = Tags(spec),
                    },
                },
                ["aws_iam_role_policy"] = new JsonObject
                {
                    ["github_actions"] = new JsonObject { ["name"] = "terraform-state-and-sops", ["role"] = "${aws_iam_role.github_actions.id}",
                        ["policy"] = "${data.aws_iam_policy_document.github_permissions.json}" },
                    ["github_plan"] = new JsonObject { ["name"] = "terraform-state-read", ["role"] = "${aws_iam_role.github_plan.id}",
                        ["policy"] = "${data.aws_iam_policy_document.github_plan_permissions.json}" },
                },
            },
            ["data"] = new JsonObject
            {
                ["aws_iam_policy_document"] = new JsonObject
                {
                    // Only workflows of this repository, on the platform branch, may assume the role: no static keys.
                    ["github_assume"] = new JsonObject
                    {
                        ["statement"] = new JsonArray(new JsonObject
                        {
                            ["actions"] = new JsonArray("sts:AssumeRoleWithWebIdentity"),
                            ["principals"] = new JsonArray(new JsonObject { ["type"] = "Federated", ["identifiers"] = new JsonArray("${aws_iam_openid_connect_provider.github.arn}") }),
                            ["condition"] = new JsonArray(
                                new JsonObject { ["test"] = "StringEquals", ["variable"] = $"{issuerHost}:aud", ["values"] = new JsonArray("sts.amazonaws.com") },
                                // The apply job runs in the production environment: GitHub names it in the token's subject.
                                new JsonObject { ["test"] = "StringEquals", ["variable"] = $"{issuerHost}:sub",
                                    ["values"] = new JsonArray($"repo:{aws.GitHubRepository}:environment:{CiWorkflows.ApplyEnvironment}") }),
                        }),
                    },
                    ["github_plan_assume"] = new JsonObject
                    {
                        ["statement"] = new JsonArray(new JsonObject
                        {
                            ["actions"] = new JsonArray("sts:AssumeRoleWithWebIdentity"),
                            ["principals"] = new JsonArray(new JsonObject { ["type"] = "Federated", ["identifiers"] = new JsonArray("${aws_iam_openid_connect_provider.github.arn}") }),
                            ["condition"] = new JsonArray(
                                new JsonObject { ["test"] = "StringEquals", ["variable"] = $"{issuerHost}:aud", ["values"] = new JsonArray("sts.amazonaws.com") },
                                new JsonObject { ["test"] = "StringEquals", ["variable"] = $"{issuerHost}:sub",
                                    ["values"] = new JsonArray($"repo:{aws.GitHubRepository}:pull_request", $"repo:{aws.GitHubRepository}:ref:refs/heads/{aws.Branch}") }),
                        }),
                    },
                    ["github_plan_permissions"] = new JsonObject { ["statement"] = CiPlan(spec, ciResources) },
                    ["github_permissions"] = new JsonObject { ["statement"] = CiApply(spec, ciResources) },
                },
            },
        };
    }
}
